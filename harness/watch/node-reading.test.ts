import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { readNode } from "./node-reading.js";

/** A peer that answers each path with a fixed status and body (deliberately wrong ones included). */
async function fakePeer(routes: Record<string, [number, string]>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const [status, body] = routes[req.url ?? ""] ?? [404, '{"error":"not found"}'];
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const state = {
  node: "n1",
  origin: "n1@x",
  total: "-42",
  count: 2,
  digest: {},
  links: [{ peer: "n2", address: "127.0.0.1:7002", direction: "out", state: "up", framesSent: 3, framesReceived: 4, bytesSent: 10, bytesReceived: 20 }],
};

describe("readNode", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  const peer = async (routes: Record<string, [number, string]>) => {
    const p = await fakePeer(routes);
    servers.push(p.server);
    return p.url;
  };

  it("reads total, count and links from GET /state", async () => {
    const url = await peer({ "/state": [200, JSON.stringify(state)] });
    expect(await readNode(url)).toEqual({ url, reachable: true, node: "n1", total: "-42", count: 2, links: state.links });
  });

  it("falls back to GET /total when a peer has no /state, and says why", async () => {
    const url = await peer({ "/total": [200, '{"node":"p","total":"7","count":1}'] });
    expect(await readNode(url)).toMatchObject({ reachable: true, node: "p", total: "7", links: null, stateError: `${url} answered GET /state with 404: {\"error\":\"not found\"}` });
  });

  it("names the field of a malformed /state, then uses /total", async () => {
    const bad = { ...state, links: [{ ...state.links[0], state: "sideways" }] };
    const url = await peer({ "/state": [200, JSON.stringify(bad)], "/total": [200, '{"node":"n1","total":"-42","count":2}'] });
    const reading = await readNode(url);
    expect(reading).toMatchObject({ reachable: true, links: null });
    expect(reading.reachable && reading.stateError).toMatch(/answered GET \/state unexpectedly at links\.0\.state: .*"up".*"down"/);
  });

  it("does not accept a total that is not a decimal integer string", async () => {
    const url = await peer({ "/total": [200, '{"node":"n1","total":1.5,"count":1}'] });
    const reading = await readNode(url);
    expect(reading).toMatchObject({ reachable: false });
    expect(!reading.reachable && reading.error).toMatch(/^http:.* answered GET \/total with .*"total":1\.5.*; expected .*"<integer as a string>"/);
  });

  it("reports a body that is not JSON, and a node that does not listen", async () => {
    const url = await peer({ "/state": [200, "<html>hello</html>"], "/total": [200, "oops"] });
    expect(await readNode(url)).toMatchObject({ reachable: false, error: `${url} answered GET /total with something that is not JSON: oops` });
    const gone = await peer({});
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await readNode(gone)).toEqual({ url: gone, reachable: false, error: `${gone} did not answer GET /state (ECONNREFUSED)` });
  });
});
