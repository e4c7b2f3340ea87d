/**
 * One peer as a testcontainers container: created on the scenario network only (never the default bridge), labelled,
 * with the engine-side HEALTHCHECK switched off (the runtime polls `GET /health` from the host itself, and 50
 * containers each spawning `node -e` every few seconds would eat a 2-core machine), and with optional extra
 * HostConfig (the grader's sandbox: capabilities, read-only root, limits).
 */
import type Docker from "dockerode";
import type { GenericContainer, StartedTestContainer, WaitStrategy } from "testcontainers";
import { loadTestcontainers } from "./engine.js";

export interface PeerContainerSpec {
  readonly image: string;
  readonly name: string;
  readonly networkName: string;
  readonly environment: Record<string, string>;
  readonly labels: Record<string, string>;
  /** Host folder -> container folder bind mounts (DATA_DIR). */
  readonly binds: readonly { readonly source: string; readonly target: string }[];
  /** Merged last into the container's HostConfig (NetworkMode and Binds stay the runtime's). */
  readonly hostConfig?: Readonly<Partial<Docker.HostConfig>> | undefined;
}

/** Readiness is the runtime's business (an HTTP probe from the host): testcontainers returns once started. */
class StartedIsEnough implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;
  async waitUntilReady(): Promise<void> {}
  withStartupTimeout(startupTimeoutMs: number): WaitStrategy {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

let peerContainerClass: Promise<new (spec: PeerContainerSpec) => GenericContainer> | undefined;

function definePeerContainer(tc: typeof import("testcontainers")): new (spec: PeerContainerSpec) => GenericContainer {
  return class PeerContainer extends tc.GenericContainer {
    constructor(spec: PeerContainerSpec) {
      super(spec.image);
      this.withName(spec.name)
        .withNetworkMode(spec.networkName)
        .withEnvironment(spec.environment)
        .withLabels(spec.labels)
        .withWaitStrategy(new StartedIsEnough());
      this.createOpts.Healthcheck = { Test: ["NONE"] };
      Object.assign(this.hostConfig, spec.hostConfig ?? {});
      this.hostConfig.Binds = spec.binds.map((b) => `${b.source}:${b.target}:rw`);
    }
  };
}

/** Creates and starts the container; resolves once the engine reports it started. */
export async function startPeerContainer(spec: PeerContainerSpec): Promise<StartedTestContainer> {
  peerContainerClass ??= loadTestcontainers().then(definePeerContainer);
  const PeerContainer = await peerContainerClass;
  return new PeerContainer(spec).start();
}
