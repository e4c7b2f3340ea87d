/**
 * The compose tool as a user runs it, for tests: docker-compose 1.29 when it is on PATH (Debian 12), else
 * `docker compose` v2; NODE_IMAGE set to the local base image (docker/build-base-image.sh) when no other is given.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { dockerClient } from "../../harness/runtime/docker/engine.js";
import { isStaleNetworkError, removeNetwork } from "../../harness/runtime/docker/network-removal.js";

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

/**
 * `<compose> -p PROJECT ARGS down -v -t 2`, for a test's clean-up. A `.ci/run` rehearsal at 7702797 (every test passed)
 * failed here: compose stopped and removed every container of the dashboard project but n3, which its driver kills and
 * starts again, and n3 kept running, so the project's network still had "active endpoints". When compose gives up so,
 * every container still labelled with the project is removed through the engine, the network as the docker runtime
 * removes its own (`removeNetwork`: detach what is left, try again for 20 s), and `down` runs again for what came after
 * (the volumes). A network the engine keeps for good with nothing attached is its fault: warned about, not failed.
 */
export async function composeDown(project: string, args: readonly string[], options: { cwd: string; timeoutMs: number }): Promise<void> {
  const down = [...args, "down", "-v", "-t", "2"];
  try {
    await compose(project, down, options);
    return;
  } catch (error) {
    if (!/has active endpoints/.test(String((error as { stderr?: string }).stderr ?? (error as Error).message))) throw error;
  }
  const docker = await dockerClient();
  const label = { label: [`com.docker.compose.project=${project}`] };
  const left = await docker.listContainers({ all: true, filters: label });
  console.warn(`compose down ${project}: its network had active endpoints; removing ${left.map((c) => c.Names.join(",")).join(" ") || "no container"} through the engine`);
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  for (const n of await docker.listNetworks({ filters: label })) {
    await removeNetwork(docker, n.Id).catch((error: unknown) => {
      if (!isStaleNetworkError(error)) throw error;
      console.warn(`compose down ${project}: ${(error as Error).message}`);
    });
  }
  await compose(project, down, options);
}
