import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { NetworkPoller } from "./network-poller.js";
import { nodeListSource } from "./watch-source.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("NetworkPoller", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  async function peers(): Promise<{ urls: string[]; hungRequests: () => number }> {
    const healthy = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ node: "ok", origin: "ok@1", total: "5", count: 1, digest: {}, links: [] }));
    });
    // Accepts connections and requests, never answers: a peer stuck in a loop.
    let requests = 0;
    const hung = createServer(() => void requests++);
    servers.push(healthy, hung);
    return { urls: [await listen(healthy), await listen(hung)], hungRequests: () => requests };
  }

  it("does not hold the view back for a node that hangs, nor ask it again while it has not answered", async () => {
    const { urls, hungRequests } = await peers();
    await using poller = new NetworkPoller(nodeListSource(urls), { requestTimeoutMs: 120_000 });
    for (let i = 0; i < 3; i++) {
      const view = await poller.pollOnce({ waitMs: 200 });
      expect(view.nodes[0]).toMatchObject({ id: "ok", reachable: true, total: "5" });
      expect(view.nodes[1]).toMatchObject({ reachable: false, note: "no answer yet (waiting up to 120000 ms)" });
    }
    expect(hungRequests()).toBe(1);
  });

  it("says a hung node did not answer in time once its request times out", async () => {
    const { urls } = await peers();
    await using poller = new NetworkPoller(nodeListSource(urls), { requestTimeoutMs: 500 });
    const view = await poller.pollOnce();
    expect(view.nodes[1]).toMatchObject({ reachable: false, note: `${urls[1]} did not answer GET /state (timed out)` });
    expect(view.agreement).toMatchObject({ agree: false, reachable: 1, nodes: 2 });
  });
});
