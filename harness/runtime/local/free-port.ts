/**
 * Free TCP ports on 127.0.0.1 for peers that bind later, never handing out the same port twice in this process.
 *
 * A port is found free now and bound by the peer a moment later. Ports the kernel hands out (for `listen(0)` and for
 * the source side of every outgoing connection) come from the ephemeral range, so a port from that range can be taken
 * in between by any busy test run. These ports are picked at random below the ephemeral range instead, where nothing
 * is assigned by the kernel.
 */
import { readFileSync } from "node:fs";
import net from "node:net";

const handedOut = new Set<number>();
const LOWEST = 10_000;

function ephemeralStart(): number {
  try {
    const start = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > LOWEST + 1000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}
const HIGHEST = ephemeralStart(); // exclusive

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`could not find a free port on 127.0.0.1 between ${LOWEST} and ${HIGHEST}`);
}
