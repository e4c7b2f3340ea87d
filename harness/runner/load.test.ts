/**
 * The background load against real HTTP servers: every POST ends acknowledged, indeterminate or refused, and a load
 * whose POSTs hang (a paused node) ends near its duration instead of sending every planned POST one timeout after
 * another.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpNodeClient } from "../../contract/node-client.js";
import type { PlannedLoad } from "../scenario/plan.js";
import { startLoad, type LoadHooks } from "./load.js";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function load(overrides: Partial<PlannedLoad>): PlannedLoad {
  return { kind: "load", seed: 1, rate: 100, durationMs: 300, concurrency: 1, batch: 1, targets: ["n1"], values: "small", ...overrides };
}

function hooks(url: string, seen: { acknowledged: number; indeterminate: number }): LoadHooks {
  return {
    eligible: (targets) => (targets === "random" ? ["n1"] : [...targets]),
    client: () => httpNodeClient(url),
    acknowledged: (_node, values) => void (seen.acknowledged += values.length),
    indeterminate: (_node, values) => void (seen.indeterminate += values.length),
  };
}

describe("load", () => {
  it("sends every planned POST to a peer that answers, and the checker hears each acknowledgement", async () => {
    const url = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ node: "n1", numbers: [] }));
      });
    });
    const seen = { acknowledged: 0, indeterminate: 0 };
    const stats = await startLoad(load({}), hooks(url, seen)).done;
    expect(stats).toMatchObject({ posts: 30, acknowledged: 30, indeterminate: 0, refused: 0, skipped: 0, late: 0 });
    expect(seen).toEqual({ acknowledged: 30, indeterminate: 0 });
  });

  it("ends within a POST timeout of its duration when POSTs hang: those sent are indeterminate, the rest are not sent", async () => {
    // A paused node: the connection is accepted, nothing is ever answered (each POST waits for its 5 s timeout).
    const url = await serve(() => {});
    const seen = { acknowledged: 0, indeterminate: 0 };
    const stats = await startLoad(load({}), hooks(url, seen)).done;
    // 30 POSTs were planned over 300 ms; one at a time, each hanging 5 s, the load stops sending once it is more than a
    // POST's timeout past its duration: after the first or the second POST, never all 30.
    expect(stats.posts).toBeGreaterThanOrEqual(1);
    expect(stats.posts).toBeLessThanOrEqual(2);
    expect(stats).toMatchObject({ acknowledged: 0, indeterminate: stats.posts, late: 30 - stats.posts });
    expect(seen).toEqual({ acknowledged: 0, indeterminate: stats.posts });
  }, 20_000);
});
