import { performance } from "node:perf_hooks";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalRuntime } from "./local-runtime.js";
import { referencePeerScript } from "./reference-peer.js";
import { splitCommandLine } from "./command-line.js";
import { line } from "../../topology/generators.js";
import { addNumbers, getTotal } from "../../../contract/peer-client.js";
import type { NetworkSpec } from "../../network/spec.js";
import type { StartedNetwork } from "../runtime.js";

const started: StartedNetwork[] = [];
afterEach(async () => {
  while (started.length) await started.pop()?.[Symbol.asyncDispose]();
});

beforeAll(() => {
  if (!existsSync(referencePeerScript())) throw new Error(`${referencePeerScript()} is missing: run npm run build`);
});

function spec(n: number, dataDir = false): NetworkSpec {
  const t = line(n);
  return {
    name: "local-test",
    nodes: t.nodes.map((id) => ({ id, env: {}, dataDir, numbers: [] })),
    links: t.links,
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const totalOf = async (net: StartedNetwork, id: string): Promise<string> => (await getTotal(net.controlUrl(id))).total.toString();

describe("splitCommandLine", () => {
  it("splits like a shell for simple commands", () => {
    expect(splitCommandLine(`node  "my dir/peer.mjs" --x='a b' c\\ d`)).toEqual(["node", "my dir/peer.mjs", "--x=a b", "c d"]);
    expect(() => splitCommandLine("node 'x")).toThrow(/unterminated/);
  });
});

describe("LocalRuntime", () => {
  it("starts a line through relays, spreads a number, cuts and restores a link", async () => {
    const net = await new LocalRuntime().start(spec(3));
    started.push(net);
    expect(net.snapshot().nodes.map((n) => n.status)).toEqual(["running", "running", "running"]);
    await addNumbers(net.controlUrl("n1"), ["5"]);
    await until("n3 to learn 5", async () => (await totalOf(net, "n3")) === "5");

    await net.cutLink("n2", "n3");
    expect(net.snapshot().links.find((l) => l.from === "n3")?.cut).toBe(true);
    await addNumbers(net.controlUrl("n1"), ["10"]);
    await until("n2 to learn 10", async () => (await totalOf(net, "n2")) === "15");
    await new Promise((r) => setTimeout(r, 500));
    expect(await totalOf(net, "n3")).toBe("5");

    await net.restoreLink("n3", "n2");
    await until("n3 to catch up after restore", async () => (await totalOf(net, "n3")) === "15");
  });

  it("kill loses state without DATA_DIR, restart relearns from neighbours; logs are kept", async () => {
    const net = await new LocalRuntime().start(spec(2));
    started.push(net);
    await addNumbers(net.controlUrl("n2"), ["7"]);
    await until("n1 to learn 7", async () => (await totalOf(net, "n1")) === "7");
    await net.killNode("n2");
    expect(net.snapshot().nodes.find((n) => n.id === "n2")).toMatchObject({ status: "stopped", lastExit: { signal: "SIGKILL" } });
    await net.cutLink("n1", "n2");
    await net.startNode("n2");
    expect(await totalOf(net, "n2")).toBe("0");
    await net.restoreLink("n1", "n2");
    await until("n2 to relearn 7", async () => (await totalOf(net, "n2")) === "7");

    const dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-logs-"));
    try {
      const files = await net.collectLogs(dir);
      expect(files.map((f) => path.basename(f))).toEqual(["n1.log", "n2.log"]);
      const log = await readFile(path.join(dir, "n2.log"), "utf8");
      expect(log).toContain("[sumnet] start #2");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("DATA_DIR survives a kill", async () => {
    const net = await new LocalRuntime().start(spec(1, true));
    started.push(net);
    await addNumbers(net.controlUrl("n1"), ["-3", "123456789012345678901234567890"]);
    await net.restartNode("n1", { hard: true });
    expect(await totalOf(net, "n1")).toBe("123456789012345678901234567887");
  });

  it("pause freezes a node (it answers nothing, learns nothing) until it is resumed", async () => {
    const net = await new LocalRuntime().start(spec(2));
    started.push(net);
    await net.pauseNode("n2");
    expect(net.snapshot().nodes.find((n) => n.id === "n2")?.status).toBe("paused");
    await addNumbers(net.controlUrl("n1"), ["9"]);
    await expect(getTotal(net.controlUrl("n2"), 500)).rejects.toThrow(/timed out/);
    await net.resumeNode("n2");
    expect(net.snapshot().nodes.find((n) => n.id === "n2")?.status).toBe("running");
    await until("n2 to learn 9 after resuming", async () => (await totalOf(net, "n2")) === "9");
  });

  it("join and leave; dispose removes processes and temporary folders", async () => {
    const net = await new LocalRuntime().start(spec(2));
    await net.addNode({ id: "x", env: {}, dataDir: false, numbers: ["4"] }, [{ from: "x", to: "n2" }]);
    await until("n1 to learn x's NUMBERS", async () => (await totalOf(net, "n1")) === "4");
    await net.removeNode("x");
    expect(net.snapshot().links).toHaveLength(1);
    expect(net.snapshot().nodes.find((n) => n.id === "x")?.status).toBe("removed");
    const tmp = path.join(os.tmpdir(), net.runId);
    const url = net.controlUrl("n1");
    expect(existsSync(tmp)).toBe(true);
    await net[Symbol.asyncDispose]();
    expect(existsSync(tmp)).toBe(false);
    await expect(getTotal(url, 500)).rejects.toThrow(/did not answer GET \/total/);
  });

  it("waits for a slow start by the monotonic clock: a jump of the wall clock does not end the wait", async () => {
    // An explore campaign saw "n1 did not answer GET /health with 200 within 15000 ms" after 3 s: the system clock
    // had jumped. The peer here starts 1.5 s late, and the wall clock jumps a minute ahead meanwhile.
    const runtime = new LocalRuntime({ peerCommand: `/bin/sh -c "sleep 1.5; exec '${process.execPath}' '${referencePeerScript()}'"` });
    const real = Date.now.bind(Date);
    const jump = setTimeout(() => vi.spyOn(Date, "now").mockImplementation(() => real() + 60_000), 500);
    try {
      const net = await runtime.start(spec(1));
      started.push(net);
      expect(Date.now() - real()).toBe(60_000); // the jump did happen during the start
      expect(net.snapshot().nodes.map((n) => n.status)).toEqual(["running"]);
    } finally {
      clearTimeout(jump);
      vi.restoreAllMocks();
    }
  });

  it("moves a node whose port was taken before it bound, and tells no one it exited", async () => {
    // The first start of "x" fails as a peer does when another process took its port between allocation and bind;
    // the second runs the reference peer. Before, listeners heard "x exited" from the first attempt, and a scenario
    // that joined x later failed with "x is not running: it exited on its own (code 1)" while x ran.
    const dir = await mkdtemp(path.join(os.tmpdir(), "port-race-"));
    try {
      const marker = path.join(dir, "tried");
      const script = path.join(dir, "peer.sh");
      await writeFile(
        script,
        `if [ -e '${marker}' ]; then exec '${process.execPath}' '${referencePeerScript()}'; fi\n` +
          `touch '${marker}'; echo 'error x start failed error="listen EADDRINUSE: address already in use"'; exit 1\n`,
      );
      const net = await new LocalRuntime().start(spec(2));
      started.push(net);
      const statuses: string[] = [];
      net.subscribe((e) => {
        if (e.type === "node" && e.node.id === "x") statuses.push(e.node.status);
      });
      await net.addNode({ id: "x", env: {}, dataDir: false, numbers: ["4"], command: `sh '${script}'` }, [{ from: "x", to: "n2" }]);
      await until("n1 to learn x's NUMBERS", async () => (await totalOf(net, "n1")) === "4");
      expect(existsSync(marker)).toBe(true);
      expect(statuses).not.toContain("exited");
      expect(net.snapshot().nodes.find((n) => n.id === "x")?.status).toBe("running");
      expect(await net.readLog("x")).toMatch(/start #1[\s\S]*EADDRINUSE[\s\S]*start #2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a peer that cannot start, with the end of its log", async () => {
    const runtime = new LocalRuntime({ peerCommand: `${process.execPath} -e "console.log('boom'); process.exit(3)"` });
    await expect(runtime.start(spec(1))).rejects.toThrow(/n1 exited before it was healthy \(code 3[\s\S]*boom/);
  });
});
