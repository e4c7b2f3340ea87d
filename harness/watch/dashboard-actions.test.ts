/**
 * `POST /actions` and `GET /session.yaml` of the dashboard: what it takes, from whom, and what it answers. A source
 * that records the actions stands in for the runner; a real reference peer for a watched list of URLs.
 */
import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { inject, startLocalPeers, type LocalPeers } from "../../test/browser/local-peers.js";
import type { LiveAction } from "../runner/live.js";
import { startDashboard, type StartedDashboard } from "./dashboard-server.js";
import { nodeListSource, type WatchSource } from "./watch-source.js";

let dashboard: StartedDashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

const taken: LiveAction[] = [];
let session: Record<string, unknown> | undefined;
const recording: WatchSource = {
  describe: () => ({ nodes: [], controls: { actions: ["inject", "kill", "hold", "go"], held: false, session: session !== undefined } }),
  act: async (action) => {
    taken.push(action);
    return action.kind === "kill" ? { ok: false, message: "kill n9: there is no node n9 in the network" } : { ok: true, message: "done" };
  },
  session: () => session,
};

type Answer = { status: number; body: { ok?: boolean; message?: string; error?: string } };

/** A POST with exactly these headers (fetch would not send a Host or an Origin of our choosing). */
function post(body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL("/actions", dashboard!.url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer["body"] }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the dashboard's actions", () => {
  it("hands a valid action to the source, and says why it refuses anything else", async () => {
    dashboard = await startDashboard({ source: recording, port: 0, intervalMs: 100 });
    taken.length = 0;
    expect(await post(JSON.stringify({ kind: "inject", node: "n1", values: [5, "-7"] }))).toEqual({ status: 200, body: { ok: true, message: "done" } });
    expect(await post(JSON.stringify({ kind: "kill", node: "n9" }))).toEqual({ status: 409, body: { ok: false, message: "kill n9: there is no node n9 in the network" } });
    expect(taken).toEqual([{ kind: "inject", node: "n1", values: [5, "-7"] }, { kind: "kill", node: "n9" }]);

    const refused = [
      [await post("{not json"), 400, /^the body is not JSON/],
      [await post(JSON.stringify({ kind: "inject", node: "n1", values: [1.5] })), 400, /^values\.0: .* \(expected e\.g\. \{"kind":"inject"/],
      [await post(JSON.stringify({ kind: "launch" })), 400, /^kind: /],
      [await post("{}", { "content-type": "text/plain" }), 415, /^expected content-type application\/json, got "text\/plain"/],
      [await post("{}", { origin: "http://evil.example" }), 403, /^actions are taken only from this dashboard's own page \(Origin http:\/\/evil\.example/],
      [await post("{}", { host: "evil.example" }), 403, /^this dashboard listens on a loopback address; Host "evil\.example"/],
      [await post(JSON.stringify({ kind: "inject", node: "n1", values: Array(100).fill("9".repeat(1000)), pad: "x".repeat(40_000) })), 413, /^an action is at most 131072 bytes/],
    ] as const;
    for (const [answer, status, error] of refused) {
      expect(answer.status, answer.body.error).toBe(status);
      expect(answer.body.error).toMatch(error);
    }
    const get = await fetch(new URL("/actions", dashboard.url));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    // Nothing refused reached the source; the page's own origin is welcome.
    expect(taken).toHaveLength(2);
    expect((await post(JSON.stringify({ kind: "hold" }), { origin: dashboard.url.replace(/\/$/, "") })).status).toBe(200);
    expect(taken).toHaveLength(3);
  });

  it("serves the session as a scenario file once there is one", async () => {
    dashboard = await startDashboard({ source: recording, port: 0, intervalMs: 100 });
    session = undefined;
    expect((await fetch(new URL("/session.yaml", dashboard.url))).status).toBe(404);
    session = { name: "s", topology: { type: "line", nodes: 2 }, steps: [{ inject: { at: "n1", values: ["5"] } }] };
    const response = await fetch(new URL("/session.yaml", dashboard.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="session.yaml"');
    const text = await response.text();
    expect(text).toMatch(/^# A session of sumnet run --watch, saved .*: replay it with sumnet run session.yaml\n/);
    expect(parse(text)).toEqual(session);
  });
});

describe("the dashboard's actions on a watched list of URLs", () => {
  let network: LocalPeers | undefined;
  beforeAll(async () => {
    network = await startLocalPeers(2, "line");
  });
  afterAll(async () => {
    await network?.[Symbol.asyncDispose]();
  });

  it("adds numbers through the node's control API, and does nothing a control API cannot", async () => {
    const [n1, n2] = network!.peers;
    await inject(n1!.url, [1]);
    dashboard = await startDashboard({ source: nodeListSource([n1!.url, n2!.url]), port: 0, intervalMs: 100 });
    await expect.poll(() => dashboard!.poller.latest?.nodes.map((n) => n.id), { timeout: 10_000 }).toEqual(["n1", "n2"]);
    expect(dashboard.poller.latest?.controls).toEqual({ actions: ["inject"], held: false, session: false });
    expect(await post(JSON.stringify({ kind: "inject", node: "n2", values: [41] }))).toEqual({ status: 200, body: { ok: true, message: "add 41 at n2" } });
    await expect.poll(async () => ((await (await fetch(`${n1!.url}/total`)).json()) as { total: string }).total, { timeout: 10_000 }).toBe("42");
    expect(await post(JSON.stringify({ kind: "kill", node: "n2" }))).toEqual({
      status: 409,
      body: { ok: false, message: "kill n2: this dashboard watches a list of nodes; it can add numbers, not kill" },
    });
    expect((await post(JSON.stringify({ kind: "inject", node: "n7", values: [1] }))).body).toEqual({ ok: false, message: "no node n7 is watched" });
  });
});
