/**
 * Removing a network right after its containers: on a busy engine (20.10, 50 containers) the containers' endpoints
 * can outlive their removal for a moment, and the engine answers 403 "has active endpoints". Detach what is left and
 * try again for a while instead of leaving the network behind.
 */
import type Docker from "dockerode";

export async function removeNetwork(docker: Docker, id: string, patienceMs = 20_000): Promise<void> {
  const network = docker.getNetwork(id);
  const deadline = Date.now() + patienceMs;
  for (let pause = 100; ; pause = Math.min(1000, pause * 2)) {
    try {
      await network.remove();
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) return;
      if (status !== 403 || Date.now() > deadline) throw error;
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
