/**
 * Removing a network right after its containers: on a busy engine (20.10, 50 containers) the containers' endpoints
 * can outlive their removal for a moment, and the engine answers 403 "has active endpoints". Detach what is left and
 * try again for a while instead of leaving the network behind. Engine 20.10 can also keep a stale endpoint for good
 * (403 with no container attached; only a restart of dockerd clears it): then the empty network is an engine fault,
 * not a leftover of the run, and `isStaleNetworkError` tells the caller so.
 */

/** The engine refused to remove a network that has no container attached ("has active endpoints" for good). */
export class StaleNetworkError extends Error {
  override readonly name = "StaleNetworkError";
}

export const isStaleNetworkError = (error: unknown): error is StaleNetworkError => error instanceof StaleNetworkError;
import { performance } from "node:perf_hooks";
import type Docker from "dockerode";

export async function removeNetwork(docker: Docker, id: string, patienceMs = 20_000): Promise<void> {
  const network = docker.getNetwork(id);
  const deadline = performance.now() + patienceMs;
  for (let pause = 100; ; pause = Math.min(1000, pause * 2)) {
    try {
      await network.remove();
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) return;
      if (status !== 403) throw error;
      if (performance.now() > deadline) {
        const left = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
        if (left && Object.keys(left.Containers ?? {}).length === 0) {
          throw new StaleNetworkError(`${(error as Error).message} (no container is attached: a stale endpoint of the engine; restarting dockerd clears it)`);
        }
        throw error;
      }
    }
    const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
    await Promise.all(
      Object.keys(info?.Containers ?? {}).map((container) =>
        network.disconnect({ Container: container, Force: true }).catch(() => undefined),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
