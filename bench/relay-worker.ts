/**
 * The bench's link relays in a worker thread of their own (`bench:dissemination`'s default; `--relays-in-process`
 * keeps them on the main thread): a pause of the bench's main thread (its garbage collector, its HTTP client) then no
 * longer holds every link at once. The worker is given the targets, starts one LinkRelay per target delaying `delayMs`
 * each way, answers with their addresses, and on request with the bytes that crossed them, or closes them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { LinkRelay } from "../harness/faults/link-relay.js";

interface Data {
  readonly targets: readonly number[];
  readonly delayMs: number;
}

const { targets, delayMs } = workerData as Data;
const relays: LinkRelay[] = [];
for (const port of targets) {
  const relay = await LinkRelay.start({ target: { host: "127.0.0.1", port } });
  relay.shape({ delayMs, jitterMs: 0, loss: 0 });
  relays.push(relay);
}
parentPort!.postMessage({ kind: "started", addresses: relays.map((r) => r.address) });
parentPort!.on("message", (m: { kind: "bytes" | "close" }) => {
  if (m.kind === "bytes") {
    const bytes = relays.reduce((a, r) => a + r.getStats().toTarget.bytes + r.getStats().fromTarget.bytes, 0);
    parentPort!.postMessage({ kind: "bytes", bytes });
  } else {
    void Promise.all(relays.map((r) => r.close())).then(() => parentPort!.postMessage({ kind: "closed" }));
  }
});
