/**
 * The link agent's image: docker/agent.Dockerfile around the bundle `npm run build` makes (dist/agent/sumnet-agent.mjs),
 * tagged by a hash of both and of NODE_IMAGE, built like the reference image (reference-image.ts) from a context folder
 * that holds only those two files.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  contentTag,
  ensureLocalImage,
  nodeImageFromEnvironment,
  packageRoot,
  type ImageBuildOptions,
} from "../docker/reference-image.js";

export const AGENT_IMAGE_REPOSITORY = "sumnet/agent";
/** Where `npm run build` (docker/bundle-agent.mjs) writes the agent, under the package root. */
export const AGENT_BUNDLE = "dist/agent/sumnet-agent.mjs";
const AGENT_DOCKERFILE = "docker/agent.Dockerfile";

/** Returns `sumnet/agent:src-<12 hex>`, building it first when the engine does not have it. */
export async function ensureAgentImage(options: ImageBuildOptions = {}): Promise<string> {
  const root = packageRoot();
  const nodeImage = options.nodeImage ?? nodeImageFromEnvironment();
  const bundlePath = path.join(root, AGENT_BUNDLE);
  const bundle = await readFile(bundlePath).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
    throw new Error(`the link agent's bundle ${bundlePath} is missing: run npm run build first`);
  });
  const dockerfile = await readFile(path.join(root, AGENT_DOCKERFILE));
  const bundleName = path.basename(AGENT_BUNDLE);
  const dockerfileName = path.basename(AGENT_DOCKERFILE);
  const tag = contentTag(AGENT_IMAGE_REPOSITORY, nodeImage, [
    [bundleName, bundle],
    [dockerfileName, dockerfile],
  ]);
  const context = async (): Promise<{ folder: string; dockerfile: string; release: () => Promise<void> }> => {
    const folder = await mkdtemp(path.join(os.tmpdir(), "sumnet-agent-image-"));
    await writeFile(path.join(folder, bundleName), bundle);
    await writeFile(path.join(folder, dockerfileName), dockerfile);
    return { folder, dockerfile: dockerfileName, release: () => rm(folder, { recursive: true, force: true }) };
  };
  return ensureLocalImage({ name: "link agent image", tag, nodeImage, context }, options.log);
}
