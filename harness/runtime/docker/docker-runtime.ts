/**
 * `sumnet run --runtime docker`: every node a container (from `--image`, a per-node image, or the reference image,
 * built from this checkout when missing), one fresh private network per `start()`, links as harness-side relays.
 * See docker-network.ts for how the network is wired and why.
 */
import type Docker from "dockerode";
import { assertValidNetworkSpec, type NetworkSpec, type NodeSpec, type Runtime, type StartNetworkOptions } from "../runtime.js";
import { StartedDockerNetwork } from "./docker-network.js";
import { dockerClient } from "./engine.js";
import { newRunId, runLabels } from "./labels.js";
import { ensureReferenceImage } from "./reference-image.js";

export interface DockerRuntimeOptions {
  /** Image for nodes that name none (`--image`). Default: the reference image, built when missing. */
  readonly image?: string | undefined;
  /** Base image when the reference image must be built (default `$NODE_IMAGE` or node:20-bookworm-slim). */
  readonly nodeImage?: string | undefined;
  /** Extra HostConfig for every peer container, e.g. the grader's sandbox (harness/grade/sandbox.ts). */
  readonly hostConfig?: Readonly<Partial<Docker.HostConfig>> | undefined;
  /** One line per runtime event worth telling a user (image builds). Default: none. */
  readonly log?: ((line: string) => void) | undefined;
  /**
   * On SIGINT/SIGTERM while a network of this runtime exists: remove everything and exit 130/143 (default,
   * so Ctrl-C never leaves containers behind), only remove everything (the caller decides about exiting), or do
   * nothing (the caller disposes the network itself).
   */
  readonly onSignal?: SignalPolicy | undefined;
}

export type SignalPolicy = "dispose-and-exit" | "dispose" | "ignore";

/** Networks not yet disposed, in this process, with what to do on SIGINT/SIGTERM. */
const activeNetworks = new Map<StartedDockerNetwork, SignalPolicy>();
let signalHandlersInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  const networks = [...activeNetworks];
  const mustExit = networks.some(([, policy]) => policy === "dispose-and-exit");
  void Promise.allSettled(
    networks.filter(([, policy]) => policy !== "ignore").map(([network]) => network[Symbol.asyncDispose]()),
  ).then(() => {
    // Listening to a signal replaces Node's default (exit), so exit the way a shell expects after Ctrl-C.
    if (mustExit) process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

function trackNetwork(network: StartedDockerNetwork, policy: SignalPolicy): void {
  activeNetworks.set(network, policy);
  if (!signalHandlersInstalled) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    signalHandlersInstalled = true;
  }
}

function forgetNetwork(network: StartedDockerNetwork): void {
  activeNetworks.delete(network);
  if (activeNetworks.size === 0 && signalHandlersInstalled) {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    signalHandlersInstalled = false;
  }
}

export class DockerRuntime implements Runtime {
  readonly name = "docker";

  constructor(private readonly options: DockerRuntimeOptions = {}) {}

  async start(spec: NetworkSpec, options: StartNetworkOptions = {}): Promise<StartedDockerNetwork> {
    assertValidNetworkSpec(spec);
    const docker = await dockerClient();
    const log = this.options.log ?? (() => undefined);
    // Build the reference image before anything starts (and before the health timeout runs), if a node needs it.
    // Resolved once per start: sources edited later (while the network runs) do not change the image of a join.
    let defaultImagePromise: Promise<string> | undefined;
    const defaultImage = (): Promise<string> =>
      (defaultImagePromise ??= this.options.image
        ? Promise.resolve(this.options.image)
        : ensureReferenceImage({ log, ...(this.options.nodeImage ? { nodeImage: this.options.nodeImage } : {}) }));
    if (spec.nodes.some((node) => !node.image)) await defaultImage();
    options.signal?.throwIfAborted();

    const runId = newRunId();
    const labels = runLabels(runId, spec.name);
    const networkName = `sumnet-${runId}`;
    const created = await docker.createNetwork({
      Name: networkName,
      Driver: "bridge",
      // No route outside, and no traffic between containers: every byte between peers crosses a harness relay.
      Internal: true,
      EnableIPv6: false,
      Options: { "com.docker.network.bridge.enable_icc": "false" },
      Labels: labels,
    });
    let gateway: string | undefined;
    try {
      const info = (await created.inspect()) as { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
      gateway = info.IPAM?.Config?.find((c) => c.Gateway && !c.Gateway.includes(":"))?.Gateway;
      if (!gateway) throw new Error(`network ${networkName} has no IPv4 gateway (IPAM ${JSON.stringify(info.IPAM)})`);
    } catch (error) {
      await created.remove().catch(() => undefined);
      throw error;
    }

    const network: StartedDockerNetwork = new StartedDockerNetwork({
      docker,
      runId,
      name: spec.name,
      networkName,
      networkId: created.id,
      gateway,
      labels,
      imageFor: async (node: NodeSpec) => node.image ?? (await defaultImage()),
      hostConfig: this.options.hostConfig,
      seed: options.seed ?? 1,
      onDisposed: () => forgetNetwork(network),
    });
    trackNetwork(network, this.options.onSignal ?? "dispose-and-exit");
    try {
      await network.launch(spec.nodes, spec.links, options.healthTimeoutMs ?? 15_000, options.signal);
    } catch (error) {
      await network[Symbol.asyncDispose]().catch(() => undefined);
      throw error;
    }
    return network;
  }
}

export function createDockerRuntime(options: DockerRuntimeOptions = {}): DockerRuntime {
  return new DockerRuntime(options);
}
