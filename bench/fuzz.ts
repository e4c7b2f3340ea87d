/**
 * `npm run fuzz`: the peer's input boundaries at volume (figures in BENCHMARKS.md).
 * 1. The wire: frame decoder, message schemas and the replica, with FUZZ_WIRE_INPUTS (default 1,000,000) generated
 *    and mutated byte streams.
 * 2. The control API of a real peer process (dist/node/main.js) over raw sockets: FUZZ_HTTP_REQUESTS (default 5,000)
 *    malformed requests and FUZZ_HTTP_INCOMPLETE (default 50) deliberately incomplete ones.
 * Exits 1 when anything was found. FUZZ_SEED (default 1) picks the inputs.
 */
import os from "node:os";
import { fuzzWire } from "../test/fuzz/wire-fuzzer.js";
import { fuzzControlApi } from "../test/fuzz/control-api-fuzzer.js";
import { PeerProcesses } from "../test/support/peer-processes.js";

const seed = Number(process.env.FUZZ_SEED ?? 1);
const wireInputs = Number(process.env.FUZZ_WIRE_INPUTS ?? 1_000_000);
const httpRequests = Number(process.env.FUZZ_HTTP_REQUESTS ?? 5_000);
const httpIncomplete = Number(process.env.FUZZ_HTTP_INCOMPLETE ?? 50);
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

console.log(`fuzz: seed ${seed}; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}; Node ${process.version}`);

// The wire, in slices so progress shows; each slice its own seed.
const slice = 100_000;
const wire = { inputs: 0, decodes: 0, accepted: 0, crashes: 0, hangs: 0, splits: 0, slowestMs: 0, ms: 0 };
const rejected: Record<string, number> = {};
const wireFindings = [];
for (let done = 0; done < wireInputs; done += slice) {
  const r = fuzzWire({ inputs: Math.min(slice, wireInputs - done), seed: seed * 1_000_003 + done });
  wire.inputs += r.inputs;
  wire.decodes += r.decodes;
  wire.accepted += r.acceptedMessages;
  wire.crashes += r.crashes;
  wire.hangs += r.hangs;
  wire.splits += r.splitMismatches;
  wire.slowestMs = Math.max(wire.slowestMs, r.slowestMs);
  wire.ms += r.elapsedMs;
  for (const [k, v] of Object.entries(r.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
  wireFindings.push(...r.findings);
  console.log(`  wire: ${wire.inputs} inputs, ${wire.crashes} crashes, ${wire.hangs} hangs, ${wire.splits} split mismatches (${s(wire.ms)})`);
}
console.log(
  `wire: ${wire.inputs} inputs (${wire.decodes} decoder runs, whole and cut), ${wire.accepted} messages accepted, ` +
    `streams rejected ${JSON.stringify(rejected)}; crashes ${wire.crashes}, hangs ${wire.hangs}, ` +
    `split mismatches ${wire.splits}; slowest input ${wire.slowestMs.toFixed(0)} ms; ${s(wire.ms)}`,
);
for (const f of wireFindings) console.log(`  ${f.kind}: ${f.detail} (${f.bytes} bytes, base64 ${f.input.slice(0, 120)}...)`);

const peers = new PeerProcesses();
let httpFound = 0;
try {
  const [peer] = await peers.startAll([{ id: "fuzz" }]);
  const r = await fuzzControlApi({
    host: "127.0.0.1",
    port: peer!.httpPort,
    requests: httpRequests,
    incomplete: httpIncomplete,
    seed,
    alive: () => peer!.proc?.exitCode === null && peer!.proc?.signalCode === null,
  });
  httpFound = r.crashes + r.hangs + r.serverErrors + r.totalChanges;
  console.log(
    `control API: ${r.requests} requests + ${r.incomplete} incomplete; answers ${JSON.stringify(r.statuses)}; ` +
      `crashes ${r.crashes}, hangs ${r.hangs}, server errors ${r.serverErrors}, total changes ${r.totalChanges}; ${s(r.elapsedMs)}`,
  );
  for (const f of r.findings) console.log(`  ${f.kind}: ${f.detail}: ${f.request}`);
} finally {
  await peers.dispose();
}
process.exitCode = wire.crashes + wire.hangs + wire.splits + httpFound > 0 ? 1 : 0;
