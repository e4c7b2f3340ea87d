/**
 * Scripted peers for the dashboard tests: HTTP servers on 127.0.0.1 that answer GET /state and GET /total with what
 * the test sets, so that a 100-node network, or a peer without /state, can be shown without running 100 peers.
 * (Convergence and cut links are tested against real reference peers; these only feed the drawing.)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { LinkReport } from "../../harness/watch/node-reading.js";

export interface ScriptedState {
  node: string;
  total: string;
  count: number;
  /** null: this peer has no GET /state (404), only GET /total. */
  links: LinkReport[] | null;
}

export interface ScriptedPeers extends AsyncDisposable {
  urls: string[];
  states: ScriptedState[];
}

export async function startScriptedPeers(states: ScriptedState[]): Promise<ScriptedPeers> {
  const servers: Server[] = [];
  const urls: string[] = [];
  const close = async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
  };
  try {
    for (const [i] of states.entries()) {
      const server = createServer((req, res) => {
        const state = states[i]!;
        const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
        if (req.url === "/total") return json(200, { node: state.node, total: state.total, count: state.count });
        if (req.url === "/state" && state.links !== null) return json(200, { node: state.node, origin: `${state.node}@test`, total: state.total, count: state.count, digest: {}, links: state.links });
        return json(404, { error: "not found" });
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { urls, states, [Symbol.asyncDispose]: close };
}
