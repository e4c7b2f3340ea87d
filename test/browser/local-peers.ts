/**
 * Real reference peers on 127.0.0.1 for the watch tests: `node dist/node/main.js` child processes (run `npm run build`
 * first; `npm test` does), linked in a line or a ring, each on free ports. Disposable: every process is killed.
 */
import { performance } from "node:perf_hooks";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "../../harness/runtime/local/free-port.js";
import { fileURLToPath } from "node:url";

export const PEER_ENTRY = fileURLToPath(new URL("../../dist/node/main.js", import.meta.url));

export interface LocalPeer {
  id: string;
  url: string;
  p2pPort: number;
  process: ChildProcess;
  output: string[];
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

export { freePort };

export interface LocalPeers extends AsyncDisposable {
  peers: LocalPeer[];
}

async function waitHealthy(url: string, child: ChildProcess, output: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`peer at ${url} exited with ${child.exitCode}:\n${output.join("")}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`peer at ${url} not healthy after ${timeoutMs} ms:\n${output.join("")}`);
}

export async function startLocalPeers(count: number, shape: "line" | "ring" = "line"): Promise<LocalPeers> {
  if (!existsSync(PEER_ENTRY)) throw new Error(`${PEER_ENTRY} is missing: run npm run build first`);
  const ports = [];
  for (let i = 0; i < count; i++) ports.push({ http: await freePort(), p2p: await freePort() });
  const peers: LocalPeer[] = [];
  const disposeAll = async () => {
    await Promise.all(peers.map((p) => p.kill()));
  };
  try {
    for (let i = 0; i < count; i++) {
      // Each node dials the one before it; in a ring the first also dials the last.
      const dial = i > 0 ? [ports[i - 1]!.p2p] : shape === "ring" && count > 2 ? [ports[count - 1]!.p2p] : [];
      const id = `n${i + 1}`;
      const output: string[] = [];
      const child = spawn(process.execPath, [PEER_ENTRY], {
        env: {
          PATH: process.env.PATH,
          NODE_ID: id,
          P2P_HOST: "127.0.0.1",
          P2P_PORT: String(ports[i]!.p2p),
          HTTP_PORT: String(ports[i]!.http),
          PEERS: dial.map((p) => `127.0.0.1:${p}`).join(","),
          SYNC_INTERVAL_MS: "500",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      peers.push({
        id,
        url: `http://127.0.0.1:${ports[i]!.http}`,
        p2pPort: ports[i]!.p2p,
        process: child,
        output,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      });
    }
    await Promise.all(peers.map((p) => waitHealthy(p.url, p.process, p.output)));
  } catch (error) {
    await disposeAll();
    throw error;
  }
  return { peers, [Symbol.asyncDispose]: disposeAll };
}

export async function inject(url: string, values: (number | string)[]): Promise<void> {
  const response = await fetch(`${url}/numbers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ values }),
  });
  if (response.status !== 201) throw new Error(`POST ${url}/numbers: HTTP ${response.status} ${await response.text()}`);
}
