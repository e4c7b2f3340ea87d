/**
 * The swarm host against a stand-in for the manager (no engine needed): how often, and for which services, it reads
 * the manager's task list. Everything it does with a real swarm is in swarm-runtime.test.ts.
 */
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { NodeSpec } from "../../network/spec.js";
import type { AgentClient } from "./agent-client.js";
import { SwarmHost } from "./swarm-host.js";

const NETWORK = "net1";

interface FakeManager {
  readonly docker: Docker;
  /** The services each listing asked for, in order. */
  readonly listings: string[][];
  /** Ends a service's task, as a crash would. */
  end(serviceId: string): void;
}

/** A manager whose services' tasks run `runAfterMs` after they were created. */
function fakeManager(runAfterMs: number): FakeManager {
  const created = new Map<string, number>();
  const ended = new Set<string>();
  const listings: string[][] = [];
  const docker = {
    createService: async (spec: { Name: string }) => {
      created.set(spec.Name, performance.now());
      return { ID: spec.Name };
    },
    listTasks: async (options: { filters: { service: string[] } }) => {
      listings.push([...options.filters.service]);
      return options.filters.service.map((id) => {
        const running = performance.now() - (created.get(id) ?? Infinity) >= runAfterMs;
        const state = ended.has(id) ? "failed" : running ? "running" : "starting";
        return {
          ID: `${id}-task`,
          ServiceID: id,
          NodeID: "m1",
          CreatedAt: "2026-12-05T00:00:00Z",
          DesiredState: "running",
          Status: { State: state, ContainerStatus: running ? { ContainerID: `c-${id}`, ExitCode: ended.has(id) ? 3 : undefined } : {} },
          NetworksAttachments: [{ Network: { ID: NETWORK }, Addresses: [`10.0.${id.length}.2/16`] }],
        };
      });
    },
    getService: () => ({ remove: async () => undefined }),
  };
  return { docker: docker as unknown as Docker, listings, end: (id) => ended.add(id) };
}

function swarmHost(manager: FakeManager, exits: string[]): SwarmHost {
  const agent = { proxyUrl: (host: string, port: number) => `http://agent/proxy/${host}:${port}`, stopStatsPolling: () => undefined };
  return new SwarmHost(
    {
      docker: manager.docker,
      runId: "run1",
      networkId: NETWORK,
      networkName: "sumnet-run1",
      labels: {},
      machines: [{ id: "m1", hostname: "m1", addr: "127.0.0.1" }],
      agents: new Map([["m1", { client: agent as unknown as AgentClient, overlayAddress: "10.0.0.1" }]]),
      imageFor: async () => "image",
      isReference: () => true,
      removeRun: async () => undefined,
    },
    { exited: (id) => exits.push(id) },
  );
}

const nodes = (from: number, to: number): NodeSpec[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: `n${from + i}`, env: {}, dataDir: false, numbers: [] }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("SwarmHost: reading the manager's tasks", () => {
  it("lists only the services still starting, at most every 250 ms however many wait", async () => {
    const manager = fakeManager(800);
    const host = swarmHost(manager, []);
    try {
      const first = nodes(1, 4);
      const second = nodes(5, 8);
      for (const node of [...first, ...second]) await host.placeNode(node);
      await Promise.all(first.map((node) => host.start(node, {})));
      const before = manager.listings.length;
      const started = performance.now();
      await Promise.all(second.map((node) => host.start(node, {})));
      const elapsed = performance.now() - started;
      const waiting = second.map((n) => `sumnet-run1-${n.id}`);
      const forStarts = manager.listings.slice(before).filter((ids) => ids.every((id) => waiting.includes(id)));
      // Four waiters for about 0.8 s: one listing per 250 ms (the first at once), of their own services only.
      expect(forStarts.length).toBeGreaterThanOrEqual(2);
      expect(forStarts.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
      // Every other listing meanwhile is the exit poll's, of every service.
      for (const ids of manager.listings.slice(before)) if (!forStarts.includes(ids)) expect(ids).toHaveLength(8);
    } finally {
      await host.dispose();
    }
  });

  it("polls every service for exits at most every 250 ms per 50 services, and still reports an exit", async () => {
    const manager = fakeManager(0);
    const exits: string[] = [];
    const host = swarmHost(manager, exits);
    try {
      const all = nodes(1, 100);
      for (const node of all) await host.placeNode(node);
      await Promise.all(all.map((node) => host.start(node, {})));
      const before = manager.listings.length;
      const started = performance.now();
      await sleep(1600);
      const polls = manager.listings.slice(before);
      expect(polls.every((ids) => ids.length === 100)).toBe(true);
      // 100 services: one poll per 500 ms at most.
      expect(polls.length).toBeGreaterThanOrEqual(1);
      expect(polls.length).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 500) + 1);
      manager.end("sumnet-run1-n42");
      for (let waited = 0; !exits.length && waited < 5000; waited += 50) await sleep(50);
      expect(exits).toEqual(["n42"]);
    } finally {
      await host.dispose();
    }
  });
});
