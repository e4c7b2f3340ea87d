/**
 * The reference image: the root Dockerfile built from this checkout, tagged by a hash of what goes into it, so a
 * changed peer source means a new tag (and a build), and an unchanged one is reused at once. The other images sumnet
 * builds itself (the swarm runtime's link agent) are tagged and built the same way: contentTag, ensureLocalImage.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dockerClient, loadTestcontainers } from "./engine.js";

export const REFERENCE_IMAGE_REPOSITORY = "sumnet/peer";
export const DEFAULT_NODE_IMAGE = "node:20-bookworm-slim";

/** The folder holding sumnet's package.json and Dockerfile (works from `harness/` sources and from `dist/`). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "Dockerfile")) && existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find sumnet's Dockerfile above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Files whose content decides the image (mirrors what the Dockerfile copies). */
async function imageInputs(root: string): Promise<string[]> {
  const fixed = ["Dockerfile", ".dockerignore", "docker/sumnet-peer-only.sh", "package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json"];
  const sources: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "test" && entry.name !== "fixtures") await walk(child);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        sources.push(child);
      }
    }
  }
  await walk("node");
  await walk("contract");
  return [...fixed.filter((f) => existsSync(path.join(root, f))), ...sources.sort()];
}

/** `sumnet/peer:src-<12 hex>` for the current sources and base image. */
export async function referenceImageTag(root = packageRoot(), nodeImage = nodeImageFromEnvironment()): Promise<string> {
  const inputs: [string, Buffer | string][] = [];
  for (const file of await imageInputs(root)) {
    let content: Buffer | string = await readFile(path.join(root, file));
    if (file === "package.json") {
      // Scripts and metadata change often and do not change the image; the dependencies do.
      const manifest = JSON.parse(content.toString("utf8")) as Record<string, unknown>;
      content = JSON.stringify([manifest.dependencies, manifest.devDependencies, manifest.overrides]);
    }
    inputs.push([file, content]);
  }
  return contentTag(REFERENCE_IMAGE_REPOSITORY, nodeImage, inputs);
}

/** `<repository>:src-<12 hex>`: a hash of the base image and of every input's name and content, in order. */
export function contentTag(repository: string, nodeImage: string, inputs: Iterable<readonly [name: string, content: Buffer | string]>): string {
  const hash = createHash("sha256").update(`NODE_IMAGE=${nodeImage}\n`);
  for (const [name, content] of inputs) hash.update(`${name}\n`).update(content).update("\n");
  return `${repository}:src-${hash.digest("hex").slice(0, 12)}`;
}

export function nodeImageFromEnvironment(): string {
  return process.env.NODE_IMAGE?.trim() || DEFAULT_NODE_IMAGE;
}

const builds = new Map<string, Promise<string>>();

export interface ImageBuildOptions {
  /** Base image (build argument NODE_IMAGE); default `$NODE_IMAGE` or node:20-bookworm-slim. */
  readonly nodeImage?: string;
  /** One line per event (build start, build done). */
  readonly log?: (line: string) => void;
}

export type ReferenceImageOptions = ImageBuildOptions;

/** Returns the reference image's tag, building it first when the engine does not have it. */
export async function ensureReferenceImage(options: ReferenceImageOptions = {}): Promise<string> {
  const root = packageRoot();
  const nodeImage = options.nodeImage ?? nodeImageFromEnvironment();
  const image: LocalImage = {
    name: "reference image",
    tag: await referenceImageTag(root, nodeImage),
    nodeImage,
    context: async () => ({ folder: root, dockerfile: "Dockerfile" }),
    note: "the first build takes about a minute",
  };
  return ensureLocalImage(image, options.log);
}

/** An image sumnet builds itself from a Dockerfile taking NODE_IMAGE, tagged by its inputs (contentTag). */
export interface LocalImage {
  /** What messages call it ("reference image"). */
  readonly name: string;
  readonly tag: string;
  readonly nodeImage: string;
  /** The build context and the Dockerfile's name in it, made just before a build; `release` runs after it. */
  readonly context: () => Promise<{ readonly folder: string; readonly dockerfile: string; readonly release?: () => Promise<void> }>;
  /** Said when a build starts (how long it takes). */
  readonly note?: string;
}

/** Returns the image's tag, building it first when the engine does not have it (one build per tag at a time). */
export function ensureLocalImage(image: LocalImage, log: (line: string) => void = () => undefined): Promise<string> {
  let build = builds.get(image.tag);
  if (!build) {
    build = buildIfMissing(image, log);
    builds.set(image.tag, build);
    build.catch(() => builds.delete(image.tag));
  }
  return build;
}

/**
 * One build per tag on this machine at a time: parallel test workers or parallel `sumnet run`s wait for the first
 * build instead of repeating it. A lock older than 20 minutes is taken as abandoned.
 */
async function withBuildLock<T>(tag: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(os.tmpdir(), `sumnet-build-${tag.replace(/[^A-Za-z0-9_.-]/g, "_")}.lock`);
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
      if (age > 20 * 60_000) await rm(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function buildIfMissing(image: LocalImage, log: (line: string) => void): Promise<string> {
  const docker = await dockerClient();
  if (await imageExists(docker, image.tag)) return image.tag;
  return withBuildLock(image.tag, async () => {
    if (await imageExists(docker, image.tag)) return image.tag;
    return build(docker, image, log);
  });
}

async function build(docker: import("dockerode"), image: LocalImage, log: (line: string) => void): Promise<string> {
  const { name, tag, nodeImage } = image;
  if (!(await imageExists(docker, nodeImage))) {
    log(`${name}: base ${nodeImage} is not local; the engine will try to pull it`);
  }
  const context = await image.context();
  log(`${name}: building ${tag} from ${context.folder} (NODE_IMAGE=${nodeImage})${image.note ? `; ${image.note}` : ""}`);
  const started = Date.now();
  const tc = await loadTestcontainers();
  try {
    await tc.GenericContainer.fromDockerfile(context.folder, context.dockerfile).withBuildArgs({ NODE_IMAGE: nodeImage }).build(tag, { deleteOnExit: false });
  } catch (error) {
    throw new Error(
      `building the ${name} ${tag} failed: ${(error as Error).message}. ` +
        `Without a registry, build a local base first and pass it: ` +
        `NODE_IMAGE=$(docker/build-base-image.sh | tail -n 1)`,
      { cause: error },
    );
  } finally {
    await context.release?.();
  }
  log(`${name}: built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}

async function imageExists(docker: import("dockerode"), tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}
