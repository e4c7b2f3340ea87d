/**
 * Real reference peers as child processes on 127.0.0.1, for end-to-end tests of the peer itself.
 * Every process started here is killed by `dispose()` (call it in afterEach), also when a test fails.
 */
import { performance } from "node:perf_hooks";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { freePort } from "../../harness/runtime/local/free-port.js";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const PEER_MAIN = resolve(import.meta.dirname, "../../dist/node/main.js");

/** Ports for peers to bind later (see harness/runtime/local/free-port.ts for why not port 0). */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  return ports;
}

export interface PeerSpec {
  id: string;
  /** Indices or ids of peers to dial (resolved to their P2P ports), or raw host:port strings. */
  dials?: string[];
  numbers?: string;
  dataDir?: boolean;
  env?: Record<string, string>;
}

export interface PeerHandle {
  readonly id: string;
  readonly p2pPort: number;
  readonly httpPort: number;
  readonly url: string;
  proc: ChildProcess | undefined;
  output: string;
  dataDir: string | undefined;
  spec: PeerSpec;
}

export class PeerProcesses {
  readonly peers = new Map<string, PeerHandle>();
  private readonly tempDirs: string[] = [];

  /** Reserves ports for every spec first, so links can point at peers that do not run yet. */
  async define(specs: PeerSpec[]): Promise<PeerHandle[]> {
    const ports = await freePorts(specs.length * 2);
    return Promise.all(
      specs.map(async (spec, i) => {
        const handle: PeerHandle = {
          id: spec.id,
          p2pPort: ports[2 * i]!,
          httpPort: ports[2 * i + 1]!,
          url: `http://127.0.0.1:${ports[2 * i + 1]}`,
          proc: undefined,
          output: "",
          dataDir: undefined,
          spec,
        };
        if (spec.dataDir) {
          handle.dataDir = await mkdtemp(join(tmpdir(), `sumnet-${spec.id}-`));
          this.tempDirs.push(handle.dataDir);
        }
        this.peers.set(spec.id, handle);
        return handle;
      }),
    );
  }

  async startAll(specs: PeerSpec[]): Promise<PeerHandle[]> {
    const handles = await this.define(specs);
    await Promise.all(handles.map((h) => this.start(h.id)));
    return handles;
  }

  /** Starts (or restarts) a defined peer and waits until GET /health answers 200. */
  async start(id: string, opts: { dataDir?: boolean } = {}): Promise<PeerHandle> {
    const h = this.get(id);
    const peers = (h.spec.dials ?? []).map((d) => {
      const target = this.peers.get(d);
      return target ? `127.0.0.1:${target.p2pPort}` : d;
    });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      NODE_ID: h.id,
      P2P_HOST: "127.0.0.1",
      P2P_PORT: String(h.p2pPort),
      HTTP_PORT: String(h.httpPort),
      PEERS: peers.join(","),
      SYNC_INTERVAL_MS: "500",
      ...(h.spec.numbers ? { NUMBERS: h.spec.numbers } : {}),
      ...((opts.dataDir ?? true) && h.dataDir ? { DATA_DIR: h.dataDir } : {}),
      ...h.spec.env,
    };
    const proc = spawn(process.execPath, [PEER_MAIN], { env, stdio: ["ignore", "pipe", "pipe"] });
    h.proc = proc;
    proc.stdout!.on("data", (c: Buffer) => (h.output += c.toString()));
    proc.stderr!.on("data", (c: Buffer) => (h.output += c.toString()));
    await waitUntil(`${id} healthy`, 15_000, async () => {
      if (proc.exitCode !== null) throw new Error(`${id} exited with ${proc.exitCode}:\n${h.output}`);
      const res = await fetch(`${h.url}/health`).catch(() => undefined);
      return res?.status === 200;
    });
    return h;
  }

  get(id: string): PeerHandle {
    const h = this.peers.get(id);
    if (!h) throw new Error(`no peer ${id}`);
    return h;
  }

  /** Sends a signal and waits for the process to exit; returns its exit code and signal. */
  async signal(id: string, sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const proc = this.get(id).proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      return { code: proc?.exitCode ?? null, signal: proc?.signalCode ?? null };
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
      proc.once("exit", (code, signal) => ok({ code, signal })),
    );
    proc.kill(sig);
    return exited;
  }

  async post(id: string, body: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.get(id).url}/numbers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }

  async total(id: string): Promise<{ node: string; total: string; count: number }> {
    const res = await fetch(`${this.get(id).url}/total`, { signal: AbortSignal.timeout(5000) });
    return (await res.json()) as { node: string; total: string; count: number };
  }

  async metric(id: string, name: string): Promise<number> {
    const text = await (await fetch(`${this.get(id).url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(name + " ") || l.startsWith(name + "{"));
    return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : NaN;
  }

  /** Waits until every listed peer (default: every running one) reports `total` and `count`. */
  async converge(expected: { total: bigint; count: number }, ids?: string[], timeoutMs = 30_000): Promise<void> {
    const targets = ids ?? [...this.peers.values()].filter((h) => h.proc && h.proc.exitCode === null).map((h) => h.id);
    let last: string[] = [];
    try {
      await waitUntil("convergence", timeoutMs, async () => {
        // A request that fails (a busy peer, a keep-alive connection closed as it was reused) is "not yet", and is
        // named in the message if it is still failing at the end.
        const totals = await Promise.all(
          targets.map((id) =>
            this.total(id).catch((error: unknown) => ({ node: id, error: (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message })),
          ),
        );
        last = totals.map((t) => ("error" in t ? `${t.node}=error(${t.error})` : `${t.node}=${t.total}/${t.count}`));
        return totals.every((t) => !("error" in t) && t.total === expected.total.toString() && t.count === expected.count);
      });
    } catch {
      throw new Error(`expected total ${expected.total} count ${expected.count} everywhere; got ${last.join(" ")}`);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(
      [...this.peers.values()].map(async (h) => {
        if (h.proc && h.proc.exitCode === null && h.proc.signalCode === null) {
          const exited = new Promise((ok) => h.proc!.once("exit", ok));
          h.proc.kill("SIGKILL");
          await exited;
        }
      }),
    );
    await Promise.all(this.tempDirs.map((d) => rm(d, { recursive: true, force: true })));
    this.peers.clear();
  }
}

export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
