/**
 * Images on every machine of a swarm: a machine runs a task only from an image it has or can pull. On one machine the
 * images built here are enough; on several, `--registry HOST:PORT` pushes each image the run uses (built here or
 * given) to a registry every machine can reach, and the services name it there.
 */
import type Docker from "dockerode";

/** `registry/name:tag` for a local `name:tag` (an image already in that registry is left as it is). */
export function registryName(image: string, registry: string): string {
  if (image.startsWith(`${registry}/`)) return image;
  const withTag = /:[^/]+$/.test(image) ? image : `${image}:latest`;
  return `${registry}/${withTag}`;
}

/** Tags `image` into `registry` and pushes it; resolves with the name every machine pulls. */
export async function pushToRegistry(docker: Docker, image: string, registry: string, log: (line: string) => void): Promise<string> {
  const target = registryName(image, registry);
  if (target === image) return image;
  const colon = target.lastIndexOf(":");
  const repo = target.slice(0, colon);
  const tag = target.slice(colon + 1);
  await docker.getImage(image).tag({ repo, tag });
  log(`pushing ${image} to ${registry} as ${target}`);
  // The engine wants an X-Registry-Auth header even for a registry without authentication: an empty one.
  const stream = (await docker.getImage(target).push({ authconfig: { serveraddress: registry } } as never)) as unknown as NodeJS.ReadableStream;
  const events = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, output: unknown[]) => (error ? reject(error) : resolve(output as never))),
  );
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) {
    throw new Error(`cannot push ${image} to registry ${registry}: ${failed.errorDetail?.message ?? failed.error} (is a registry listening there, and does this engine trust it?)`);
  }
  return target;
}
