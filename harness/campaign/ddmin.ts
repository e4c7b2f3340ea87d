/**
 * Delta debugging (Zeller's ddmin, complement form): remove chunks of a list, halving the chunk size whenever no
 * chunk of the current size can go, until single items cannot be removed either (1-minimal) or `stop` says so.
 * Subsets alone are never tried: a scenario without most of its steps hardly ever fails, and every test is a real
 * run of a network, so the tests are spent on removals.
 */

/** Whether the list without some items still shows the failure (true keeps the removal). */
export type StillFails<T> = (items: readonly T[]) => Promise<boolean>;

export async function ddmin<T>(
  items: readonly T[],
  stillFails: StillFails<T>,
  options: { readonly stop?: () => boolean; readonly minLength?: number } = {},
): Promise<T[]> {
  const minLength = options.minLength ?? 1;
  let current = [...items];
  let chunk = Math.max(1, Math.floor(current.length / 2));
  for (;;) {
    let removedAny = false;
    // Bounded: every pass either shrinks `current` or halves `chunk`.
    for (let start = 0; start < current.length; ) {
      if (options.stop?.()) return current;
      const candidate = [...current.slice(0, start), ...current.slice(start + chunk)];
      if (candidate.length >= minLength && candidate.length < current.length && (await stillFails(candidate))) {
        current = candidate;
        removedAny = true;
      } else start += chunk;
    }
    if (chunk === 1 && !removedAny) return current;
    if (!removedAny) chunk = Math.max(1, Math.floor(chunk / 2));
    else chunk = Math.min(chunk, Math.max(1, Math.floor(current.length / 2)));
  }
}
