/**
 * `npm run bench:peer`: the reference peer's figures on this machine (see BENCHMARKS.md).
 * - ingest: numbers per second one peer accepts through batched POSTs (without and with DATA_DIR);
 * - idle memory: resident set of a peer that has started and waited;
 * - convergence: time from the last acknowledged injection until every peer reports the same total
 *   (a line of 10, a random connected graph of 25, on loopback);
 * - frames sent per injected number, network-wide, for single and batched injections.
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import { seededRandom } from "../harness/base/seeded-random.js";
import { PeerProcesses, type PeerSpec } from "../test/support/peer-processes.js";

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function ingest(dataDir: boolean): Promise<{ perSecond: number; idleRss: number }> {
  const peers = new PeerProcesses();
  try {
    const [p] = await peers.startAll([{ id: "ingest", dataDir }]);
    await sleep(2000);
    const idleRss = await rssMiB(p!.proc!.pid!);
    const batch = Array.from({ length: 1000 }, (_, i) => String(i * 7919 - 500_000));
    const body = JSON.stringify({ values: batch });
    const posts = 200;
    const concurrency = 4;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < posts) {
          const res = await fetch(`${p!.url}/numbers`, { method: "POST", body });
          if (res.status !== 201) throw new Error(`POST answered ${res.status}`);
          await res.arrayBuffer();
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const t = await peers.total("ingest");
    if (t.count !== posts * batch.length) throw new Error(`count ${t.count}, expected ${posts * batch.length}`);
    return { perSecond: Math.round((posts * batch.length) / seconds), idleRss };
  } finally {
    await peers.dispose();
  }
}

function topology(kind: "line" | "random", n: number): PeerSpec[] {
  const rnd = seededRandom(25);
  return Array.from({ length: n }, (_, i) => {
    const dials: string[] = [];
    if (i > 0) dials.push(`p${kind === "line" ? i - 1 : rnd.int(0, i - 1)}`);
    if (kind === "random" && i > 1 && rnd.next() < 0.5) dials.push(`p${rnd.int(0, i - 2)}`);
    return { id: `p${i}`, dials: [...new Set(dials)] };
  });
}

async function sumFrames(peers: PeerProcesses, ids: string[]): Promise<number> {
  const all = await Promise.all(ids.map((id) => peers.metric(id, "sumnet_frames_sent_total")));
  return all.reduce((a, b) => a + b, 0);
}

async function convergence(kind: "line" | "random", n: number, rounds: number) {
  const peers = new PeerProcesses();
  try {
    const specs = topology(kind, n);
    await peers.startAll(specs.map((s) => ({ ...s, env: { SYNC_INTERVAL_MS: "1000" } })));
    const ids = specs.map((s) => s.id);
    await sleep(1500); // every link up
    const times: number[] = [];
    let expected = 0n;
    let count = 0;
    const framesBefore = await sumFrames(peers, ids);
    for (let r = 0; r < rounds; r++) {
      // Inject at one end (the line's far end is n-1 hops away), then poll everyone as fast as loopback allows.
      const value = BigInt(r + 1) * 10n ** 20n + 1n;
      const res = await peers.post(ids[0]!, { value: value.toString() });
      if (res.status !== 201) throw new Error("inject failed");
      const acked = performance.now();
      expected += value;
      count++;
      for (;;) {
        const totals = await Promise.all(ids.map((id) => peers.total(id)));
        if (totals.every((t) => t.total === expected.toString())) break;
        if (performance.now() - acked > 10_000) throw new Error("no convergence within 10 s");
      }
      times.push(performance.now() - acked);
      await sleep(100);
    }
    const framesSingle = (await sumFrames(peers, ids)) - framesBefore;
    // Batched: 1,000 numbers in one POST.
    const before = await sumFrames(peers, ids);
    const values = Array.from({ length: 1000 }, (_, i) => String(i));
    await peers.post(ids[0]!, { values });
    expected += values.reduce((a, v) => a + BigInt(v), 0n);
    count += values.length;
    await peers.converge({ total: expected, count }, ids);
    const framesBatched = (await sumFrames(peers, ids)) - before;
    times.sort((a, b) => a - b);
    return {
      medianMs: times[Math.floor(times.length / 2)]!,
      maxMs: times[times.length - 1]!,
      framesPerNumberSingle: framesSingle / rounds,
      framesPerNumberBatched: framesBatched / values.length,
      links: specs.reduce((a, s) => a + (s.dials?.length ?? 0), 0),
    };
  } finally {
    await peers.dispose();
  }
}

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(`# bench:peer  ${new Date().toISOString()}  ${os.cpus().length} x ${os.cpus()[0]?.model}  node ${process.version}`);
const plain = await ingest(false);
console.log(`ingest, batched POSTs of 1,000, no DATA_DIR:   ${plain.perSecond.toLocaleString("en")} numbers/s`);
const durable = await ingest(true);
console.log(`ingest, batched POSTs of 1,000, DATA_DIR+fsync: ${durable.perSecond.toLocaleString("en")} numbers/s`);
console.log(`idle peer resident memory:                     ${fmt(plain.idleRss)} MiB`);
for (const [kind, n] of [["line", 10], ["random", 25]] as const) {
  const c = await convergence(kind, n, 15);
  console.log(
    `${kind} of ${n} (${c.links} links): last injection -> all agree: median ${fmt(c.medianMs)} ms, max ${fmt(c.maxMs)} ms; ` +
      `frames sent per number: ${fmt(c.framesPerNumberSingle, 2)} single, ${fmt(c.framesPerNumberBatched, 3)} batched`,
  );
}
