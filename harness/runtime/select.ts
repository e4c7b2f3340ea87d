/**
 * The one place that turns a runtime's name (`--runtime local|docker|sim|swarm`, a course file, a library call) into
 * a runtime. The docker and swarm runtimes (and their engine client) and the simulator are loaded only when asked for.
 */
import type Docker from "dockerode";
import type { SignalPolicy } from "./cleanup.js";
import { LocalRuntime } from "./local/local-runtime.js";
import type { Runtime } from "./runtime.js";

export const RUNTIME_NAMES = ["local", "docker", "sim", "swarm"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export interface RuntimeChoice {
  /** Default local. */
  readonly runtime?: RuntimeName | undefined;
  /** Peer command line for nodes that name none (local runtime); default: the reference peer. */
  readonly peerCommand?: string | undefined;
  /** Peer image for nodes that name none (docker, swarm); default: the reference image, built when missing. */
  readonly image?: string | undefined;
  /** Base image to build the reference image from (docker; default `$NODE_IMAGE`). */
  readonly nodeImage?: string | undefined;
  /** Extra HostConfig for every container (docker; the grader's sandbox; swarm takes the part a task supports). */
  readonly hostConfig?: Readonly<Partial<Docker.HostConfig>> | undefined;
  /** Size limit of each node's DATA_DIR in MiB (docker; the grader's sandbox). */
  readonly dataDirMiB?: number | undefined;
  /** `HOST:PORT` of a registry every swarm machine pulls from (swarm: images are pushed there first). */
  readonly registry?: string | undefined;
  /** One line per runtime event worth telling a user (image builds). */
  readonly log?: ((line: string) => void) | undefined;
  /** What Ctrl-C does to a running network (default: remove everything and exit 130). */
  readonly onSignal?: SignalPolicy | undefined;
}

/** Thrown for a choice that cannot work (a docker option with the local runtime, an unknown name). */
export class RuntimeChoiceError extends Error {
  override readonly name = "RuntimeChoiceError";
}

export async function createRuntime(choice: RuntimeChoice = {}): Promise<Runtime> {
  const name = choice.runtime ?? "local";
  if (choice.registry && name !== "swarm") throw new RuntimeChoiceError("--registry applies to --runtime swarm (images every swarm machine pulls)");
  if (name === "local") {
    if (choice.image) throw new RuntimeChoiceError("--image applies to --runtime docker or swarm; use --peer-command with the local runtime");
    return new LocalRuntime({ peerCommand: choice.peerCommand, onSignal: choice.onSignal });
  }
  if (name === "docker") {
    if (choice.peerCommand) throw new RuntimeChoiceError("--peer-command applies to --runtime local; use --image with docker");
    let mod: typeof import("./docker/docker-runtime.js");
    try {
      mod = await import("./docker/docker-runtime.js");
    } catch (error) {
      throw new RuntimeChoiceError(`the docker runtime is not available in this build (${(error as Error).message})`);
    }
    return mod.createDockerRuntime({
      image: choice.image,
      nodeImage: choice.nodeImage,
      hostConfig: choice.hostConfig,
      dataDirMiB: choice.dataDirMiB,
      log: choice.log,
      onSignal: choice.onSignal,
    });
  }
  if (name === "sim") {
    if (choice.peerCommand || choice.image) {
      throw new RuntimeChoiceError(
        `--runtime sim simulates the reference peer only (its core, in this process); ${choice.image ? "--image" : "--peer-command"} needs --runtime ${choice.image ? "docker" : "local"}`,
      );
    }
    const { SimRuntime } = await import("./sim/sim-runtime.js");
    return new SimRuntime();
  }
  if (name === "swarm") {
    if (choice.peerCommand) throw new RuntimeChoiceError("--peer-command applies to --runtime local; use --image with swarm");
    const { createSwarmRuntime } = await import("./swarm/swarm-runtime.js");
    const { swarmLimitsOf } = await import("./swarm/limits.js");
    const limits = choice.hostConfig ? swarmLimitsOf(choice.hostConfig, choice.log) : undefined;
    if (choice.dataDirMiB !== undefined) choice.log?.(`warning: --runtime swarm cannot limit DATA_DIR to ${choice.dataDirMiB} MiB (a swarm volume has no size)`);
    return createSwarmRuntime({ image: choice.image, nodeImage: choice.nodeImage, registry: choice.registry, limits, log: choice.log, onSignal: choice.onSignal });
  }
  throw new RuntimeChoiceError(`--runtime expects ${RUNTIME_NAMES.join(", ")}, got "${String(name)}"`);
}
