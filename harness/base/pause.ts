/**
 * A wait that ends early when its signal aborts (Ctrl-C, a grading time limit): it resolves, never rejects, so the
 * caller goes on to its own check of the signal. Without a signal it is a plain timer.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
