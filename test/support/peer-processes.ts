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

/**
 * A peer exited at start because a port it was given was in use: another process took it between `freePort` and the
 * peer's bind (another test file's peer, or another process's `freePort` checking it by binding it for a moment).
 */
export class PortTaken extends Error {}

/** Tries of a start on the same ports, and of a whole `startAll` on new ones, before a taken port fails the test. */
const PORT_TRIES = 3;

export class PeerProcesses {
  readonly peers = new Map<string, PeerHandle>();
  private readonly tempDirs: string[] = [];

  /** `ports` hands out `n` ports for peers to bind (tests give their own to take one first). */
  constructor(private readonly ports: (n: number) => Promise<number[]> = freePorts) {}

  /** Reserves ports for every spec first, so links can point at peers that do not run yet. */
  async define(specs: PeerSpec[]): Promise<PeerHandle[]> {
    const ports = await this.ports(specs.length * 2);
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

  /**
   * Defines and starts peers that link to each other. A port that stays taken (see `start`) moves them all to new
   * ports and starts them again: they dial each other's ports, so one peer cannot move alone.
   */
  async startAll(specs: PeerSpec[]): Promise<PeerHandle[]> {
    for (let attempt = 1; ; attempt++) {
      const handles = await this.define(specs);
      const started = await Promise.allSettled(handles.map((h) => this.start(h.id)));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (!failed) return handles;
      if (!(failed.reason instanceof PortTaken) || attempt >= PORT_TRIES) throw failed.reason;
      await this.discard(handles);
    }
  }

  /**
   * Starts (or restarts) a defined peer and waits until GET /health answers 200. A peer that exits because its port
   * is in use is started again on the same ports a moment later (a port checked by another process is free again
   * within milliseconds), and after `PORT_TRIES` the start fails with `PortTaken`.
   */
  async start(id: string, opts: { dataDir?: boolean } = {}): Promise<PeerHandle> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce(id, opts);
      } catch (error) {
        if (!(error instanceof PortTaken) || attempt >= PORT_TRIES) throw error;
        await new Promise((ok) => setTimeout(ok, 100 * attempt));
      }
    }
  }

  private async startOnce(id: string, opts: { dataDir?: boolean }): Promise<PeerHandle> {
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
    // "close" comes after "exit", once the output is all read: what the peer said as it failed is then in h.output.
    const closed = new Promise((ok) => proc.once("close", ok));
    const from = h.output.length;
    await waitUntil(`${id} healthy`, 15_000, async () => {
      if (proc.exitCode !== null) {
        await closed;
        const said = h.output.slice(from);
        const message = `${id} exited with ${proc.exitCode}:\n${said}`;
        throw /EADDRINUSE/.test(said) ? new PortTaken(message) : new Error(message);
      }
      // Bounded: until the peer binds, whatever holds its HTTP port (see PortTaken) may accept and never answer.
      const res = await fetch(`${h.url}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
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
    await this.discard([...this.peers.values()]);
    await Promise.all(this.tempDirs.map((d) => rm(d, { recursive: true, force: true })));
  }

  /** Kills these peers and forgets them (their data folders too). */
  private async discard(handles: readonly PeerHandle[]): Promise<void> {
    await Promise.all(
      handles.map(async (h) => {
        if (h.proc && h.proc.exitCode === null && h.proc.signalCode === null) {
          const exited = new Promise((ok) => h.proc!.once("exit", ok));
          h.proc.kill("SIGKILL");
          await exited;
        }
        if (h.dataDir) await rm(h.dataDir, { recursive: true, force: true });
        this.peers.delete(h.id);
      }),
    );
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
