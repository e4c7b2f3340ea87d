/**
 * The compose tool as a user runs it, for tests: docker-compose 1.29 when it is on PATH (Debian 12), else
 * `docker compose` v2; NODE_IMAGE set to the local base image (docker/build-base-image.sh) when no other is given.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

function composeCommand(): [string, string[]] {
  for (const dir of (process.env.PATH ?? "").split(":")) if (existsSync(`${dir}/docker-compose`)) return ["docker-compose", []];
  return ["docker", ["compose"]];
}

let nodeImage: Promise<string | undefined> | undefined;

/** NODE_IMAGE for builds: the environment's, else the local base image when it exists (no registry here). */
function baseImage(): Promise<string | undefined> {
  nodeImage ??= process.env.NODE_IMAGE
    ? Promise.resolve(process.env.NODE_IMAGE)
    : run("docker", ["image", "inspect", "sumnet/node-base:20"]).then(() => "sumnet/node-base:20", () => undefined);
  return nodeImage;
}

/** Runs `<compose> -p PROJECT ARGS` in `cwd`; resolves with stdout and stderr together. */
export async function compose(project: string, args: readonly string[], options: { cwd: string; timeoutMs: number }): Promise<string> {
  const [command, prefix] = composeCommand();
  const image = await baseImage();
  const env = { ...process.env, ...(image ? { NODE_IMAGE: image } : {}) };
  const { stdout, stderr } = await run(command, [...prefix, "-p", project, ...args], { cwd: options.cwd, env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout + stderr;
}
