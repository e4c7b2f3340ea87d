/**
 * Freezing a container (`docker pause`) can fail by chance. With cgroup v1 (these machines' engine), runc asks the
 * freezer to stop every process of the container and gives up with "unable to freeze" when they do not all stop in
 * time, which a loaded machine makes likely; it thaws the container again, so it keeps running and the pause can be
 * tried again (opencontainers/runc#2791: "still a game of chances"; runc#4388: the caller should retry). A `.ci/run`
 * rehearsal on 2026-12-06 saw the compose driver's `pause n3` fail this way. Every pause of a container goes through
 * here: the docker and compose hosts (container-process.ts) and the swarm link agent (agent/docker-socket.ts).
 */
import { pause } from "../base/pause.js";

/** Waits between attempts; one attempt more than waits. */
const FREEZE_RETRY_MS = [100, 400, 1000] as const;
export const FREEZE_ATTEMPTS = FREEZE_RETRY_MS.length + 1;

/** The engine's word for a freeze that runc gave up on by chance (any other refusal is not retried). */
export function isFreezeByChance(err: unknown): boolean {
  return /unable to freeze/i.test(err instanceof Error ? err.message : String(err));
}

/** Runs `freeze` until it succeeds, up to FREEZE_ATTEMPTS times while it fails by chance; else its last error. */
export async function freezeWithRetry(freeze: () => Promise<void>, wait: (ms: number) => Promise<void> = pause): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await freeze();
    } catch (err) {
      const delay = FREEZE_RETRY_MS[attempt - 1];
      if (delay === undefined || !isFreezeByChance(err)) throw err;
      await wait(delay);
    }
  }
}
