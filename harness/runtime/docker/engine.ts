/**
 * The Docker engine as sumnet reaches it: testcontainers (with the settings this project's engines need) for
 * creating containers and building images, and its dockerode instance for what testcontainers does not do
 * (networks with options, stop without removal, kill, wait, logs).
 */
import Docker from "dockerode";
import type { ContainerRuntimeClient } from "testcontainers";

/**
 * Ryuk (testcontainers' reaper) is an image that must be pulled, and often cannot be: sumnet labels and removes
 * what it starts itself. The host override keeps testcontainers from starting an `alpine` helper to find the host.
 * Both stay overridable from the environment.
 */
function prepareTestcontainersEnvironment(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "localhost";
}

let testcontainersModule: Promise<typeof import("testcontainers")> | undefined;

/** testcontainers, imported on first use (after its environment is prepared; it costs ~0.3 s to load). */
export function loadTestcontainers(): Promise<typeof import("testcontainers")> {
  prepareTestcontainersEnvironment();
  testcontainersModule ??= import("testcontainers");
  return testcontainersModule;
}

export async function containerRuntimeClient(): Promise<ContainerRuntimeClient> {
  const tc = await loadTestcontainers();
  return tc.getContainerRuntimeClient();
}

/** The dockerode instance testcontainers talks through (same DOCKER_HOST, TLS settings, socket). */
export async function dockerClient(): Promise<Docker> {
  return (await containerRuntimeClient()).container.dockerode;
}

export type EngineAvailability =
  | { readonly available: true; readonly version: string }
  | { readonly available: false; readonly reason: string };

/** Whether a Docker engine answers, within `timeoutMs`; never throws. */
export async function engineAvailability(timeoutMs = 5000): Promise<EngineAvailability> {
  const docker = new Docker();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const version = (await Promise.race([docker.version(), timeout])) as { Version: string; ApiVersion: string };
    return { available: true, version: `${version.Version} (API ${version.ApiVersion})` };
  } catch (error) {
    const where = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
    return { available: false, reason: `no Docker engine answers at ${where}: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
