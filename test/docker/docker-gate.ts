/**
 * Whether the docker suites run: they need a Docker engine. Without one they are skipped with a printed reason,
 * unless REQUIRE_DOCKER=1 (CI), which turns the missing engine into a failing test.
 */
import { performance } from "node:perf_hooks";
import type Docker from "dockerode";
import { describe, it } from "vitest";
import type { NodeSpec } from "../../harness/network/spec.js";
import type { StartedNetwork } from "../../harness/runtime/runtime.js";
import { engineAvailability } from "../../harness/runtime/docker/engine.js";
import { isStaleNetworkError, removeNetwork } from "../../harness/runtime/docker/network-removal.js";

export interface DockerGate {
  readonly available: boolean;
  readonly reason: string;
}

export async function dockerGate(suite: string): Promise<DockerGate> {
  const availability = await engineAvailability();
  if (availability.available) return { available: true, reason: "" };
  const required = process.env.REQUIRE_DOCKER === "1";
  if (!required) console.warn(`skipping ${suite}: ${availability.reason} (set REQUIRE_DOCKER=1 to fail instead)`);
  describe.skipIf(!required)(`${suite} (REQUIRE_DOCKER=1)`, () => {
    it("needs a Docker engine", () => {
      throw new Error(`REQUIRE_DOCKER=1 but ${availability.reason}`);
    });
  });
  return { available: false, reason: availability.reason };
}

/** Polls until `probe` returns a value (not undefined), or fails with what it last saw. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** A reference peer node of the runtime tests: quick anti-entropy, no DATA_DIR unless asked. */
export function testNode(id: string, numbers: string[], extra: Partial<NodeSpec> = {}): NodeSpec {
  return { id, env: { SYNC_INTERVAL_MS: "300" }, dataDir: false, numbers, ...extra };
}

export async function totalsOf(network: StartedNetwork, ids: readonly string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await getTotal(network.controlUrl(id))).total));
}

export async function allAgreeOn(network: StartedNetwork, ids: readonly string[], total: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    `${ids.join(",")} to agree on total ${total}`,
    async () => ((await totalsOf(network, ids)).every((t) => t === total) ? true : undefined),
    timeoutMs,
  );
}

export interface TotalAnswer {
  readonly node: string;
  readonly total: string;
  readonly count: number;
}

export async function getTotal(controlUrl: string): Promise<TotalAnswer> {
  const response = await fetch(`${controlUrl}/total`, { signal: AbortSignal.timeout(3000) });
  if (response.status !== 200) throw new Error(`GET ${controlUrl}/total answered ${response.status}`);
  return (await response.json()) as TotalAnswer;
}

export async function postNumber(controlUrl: string, value: number | string): Promise<void> {
  const response = await fetch(`${controlUrl}/numbers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value }),
    signal: AbortSignal.timeout(3000),
  });
  if (response.status !== 201) throw new Error(`POST ${controlUrl}/numbers answered ${response.status}: ${await response.text()}`);
}

/**
 * Leftovers a run is to blame for: containers, and networks the engine would have let it remove. An empty network
 * that engine 20.10 refuses to remove ("has active endpoints" with nothing attached, until dockerd restarts) is the
 * engine's fault; the runtime reports it as a warning. Any other network left behind is blamed: this tries to remove
 * it (briefly), and only a network whose removal ends in `StaleNetworkError` is excused.
 */
export async function blameworthy<T extends { readonly kind: string; readonly id: string }>(docker: Docker, leftovers: readonly T[]): Promise<T[]> {
  const out: T[] = [];
  for (const l of leftovers) {
    if (l.kind === "network") {
      const stale = await removeNetwork(docker, l.id, 2_000).then(
        () => false,
        (error: unknown) => isStaleNetworkError(error),
      );
      if (stale) continue;
    }
    out.push(l);
  }
  return out;
}

/**
 * Whether the swarm suites run: they need a Docker engine that manages a swarm (`docker swarm init`; `.ci/run` makes
 * one). Skipped with a printed reason otherwise, failing instead when REQUIRE_DOCKER=1.
 */
export async function swarmGate(suite: string): Promise<DockerGate> {
  const engine = await engineAvailability();
  let reason = engine.available ? "" : engine.reason;
  if (engine.available) {
    const { swarmAvailability } = await import("../../harness/runtime/swarm/swarm-engine.js");
    const { dockerClient } = await import("../../harness/runtime/docker/engine.js");
    const swarm = await swarmAvailability(await dockerClient()).catch((e: Error) => ({ available: false as const, reason: e.message }));
    if (swarm.available) return { available: true, reason: "" };
    reason = swarm.reason;
  }
  const required = process.env.REQUIRE_DOCKER === "1";
  if (!required) console.warn(`skipping ${suite}: ${reason} (set REQUIRE_DOCKER=1 to fail instead)`);
  describe.skipIf(!required)(`${suite} (REQUIRE_DOCKER=1)`, () => {
    it("needs a Docker engine in a swarm", () => {
      throw new Error(`REQUIRE_DOCKER=1 but ${reason}`);
    });
  });
  return { available: false, reason };
}
