/**
 * `sumnet run --runtime docker`: every node a container (from `--image`, a per-node image, or the reference image,
 * built from this checkout when missing), one fresh private network per `start()`, links as harness-side relays.
 * Topology and faults: every scenario gets a fresh bridge network that is `internal` (no route outside) and has
 * inter-container traffic switched off (`enable_icc=false`), so containers cannot reach each other at all, only the
 * host. Every link is a harness-side relay listening on the network's gateway address; the dialer's PEERS points at
 * its relays, each relay forwards to the target container's P2P port. Cutting a link therefore really cuts it (there
 * is no other path), and every fault works for any image: no shell, no `tc`, no netem, no privileges.
 * The containers themselves are docker-host.ts; the rest of the network is the shared ../started-network.ts.
 */
import type Docker from "dockerode";
import type { NetworkSpec, NodeSpec } from "../../network/spec.js";
import type { SignalPolicy } from "../cleanup.js";
import { PROCESS_RUNTIME_MAX_NODES, type Runtime, type StartNetworkOptions } from "../runtime.js";
import { HostedNetwork } from "../started-network.js";
import { DockerHost, ENGINE_CONCURRENCY } from "./docker-host.js";
import { dockerClient } from "./engine.js";
import { newRunId, runLabels } from "./labels.js";
import { ensureReferenceImage } from "./reference-image.js";

export type { SignalPolicy };

export interface DockerRuntimeOptions {
  /** Image for nodes that name none (`--image`). Default: the reference image, built when missing. */
  readonly image?: string | undefined;
  /** Base image when the reference image must be built (default `$NODE_IMAGE` or node:20-bookworm-slim). */
  readonly nodeImage?: string | undefined;
  /** Extra HostConfig for every peer container, e.g. the grader's sandbox (harness/grade/sandbox.ts). */
  readonly hostConfig?: Readonly<Partial<Docker.HostConfig>> | undefined;
  /** Size limit of each node's DATA_DIR in MiB: a host tmpfs, needs root on Linux (docker/data-dir.ts). */
  readonly dataDirMiB?: number | undefined;
  /** One line per runtime event worth telling a user (image builds). Default: none. */
  readonly log?: ((line: string) => void) | undefined;
  /** What Ctrl-C does to a running network (default: remove everything and exit 130). */
  readonly onSignal?: SignalPolicy | undefined;
}

/** A started network of containers: the shared network, plus the run id its engine objects are labelled with. */
export type StartedDockerNetwork = HostedNetwork & { readonly host: DockerHost };

export class DockerRuntime implements Runtime {
  readonly name = "docker";
  readonly maxNodes = PROCESS_RUNTIME_MAX_NODES;

  constructor(private readonly options: DockerRuntimeOptions = {}) {}

  async start(spec: NetworkSpec, options: StartNetworkOptions = {}): Promise<StartedDockerNetwork> {
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

    const imageFor = async (node: NodeSpec): Promise<string> => node.image ?? (await defaultImage());
    try {
      const network = await HostedNetwork.start(
        spec,
        (events) =>
          new DockerHost(
            {
              docker,
              runId,
              networkName,
              networkId: created.id,
              gateway,
              labels,
              imageFor,
              isReference: (node) => !node.image && !this.options.image,
              hostConfig: this.options.hostConfig,
              dataDirMiB: this.options.dataDirMiB,
              log,
            },
            events,
          ),
        { ...options, onSignal: this.options.onSignal, startConcurrency: ENGINE_CONCURRENCY },
      );
      return network as StartedDockerNetwork;
    } catch (error) {
      // The shared network removed the containers and the network; a failure before it existed leaves the network.
      await docker.getNetwork(created.id).remove().catch(() => undefined);
      throw error;
    }
  }
}

export function createDockerRuntime(options: DockerRuntimeOptions = {}): DockerRuntime {
  return new DockerRuntime(options);
}
