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

/**
 * Ports the Fetch standard blocks ("bad port": Node's fetch refuses them outright), so a peer given one could never
 * be reached by the harness. https://fetch.spec.whatwg.org/#port-blocking
 */
export const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

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

/** The range ports are drawn from: [lowest, highest). */
export const PORT_RANGE = { lowest: LOWEST, highest: HIGHEST } as const;

/** May this port be handed to a peer? (In range, not blocked by fetch; free or not is checked separately.) */
export function allocatable(port: number): boolean {
  return Number.isInteger(port) && port >= LOWEST && port < HIGHEST && !FETCH_BLOCKED_PORTS.has(port);
}

export async function freePort(random: () => number = Math.random): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(random() * (HIGHEST - LOWEST));
    if (!allocatable(port) || handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`could not find a free port on 127.0.0.1 between ${LOWEST} and ${HIGHEST}`);
}
