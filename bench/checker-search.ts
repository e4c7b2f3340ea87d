/**
 * bench:checker - how often, and how fast, the checker's subset search decides a report exactly.
 *
 * For sets of 16 to 128 uncertain numbers drawn as `sumnet explore` draws values (small, mid-sized, now and then
 * hundreds of digits), 40 sets each: a report a subset makes, and one off by one, with and without a count. Prints
 * how many the search settled (true / false) and how many it left to bounds (undefined), and the slowest search.
 *
 *   npx tsx bench/checker-search.ts
 */
import { seededRandom } from "../harness/base/seeded-random.js";
import { subsetWithSum } from "../harness/checker/verdict.js";

const rng = seededRandom(7);

/** As harness/campaign/generate.ts draws a value. */
function drawValue(): bigint {
  const r = rng.next();
  if (r < 0.6) return BigInt(rng.int(-100, 1000));
  if (r < 0.9) return BigInt(rng.int(-1_000_000_000, 1_000_000_000));
  const digits = rng.int(20, 300);
  let text = String(rng.int(1, 9));
  for (let i = 1; i < digits; i++) text += String(rng.int(0, 9));
  return BigInt(rng.next() < 0.5 ? `-${text}` : text);
}

console.log(`# bench:checker  ${new Date().toISOString()}  node ${process.version}`);
console.log("uncertain | report | true | false | left to bounds | slowest (ms)");
for (const n of [16, 32, 64, 128]) {
  const rows = new Map<string, { yes: number; no: number; unsure: number; slowest: number }>();
  for (let trial = 0; trial < 40; trial++) {
    const values = Array.from({ length: n }, drawValue);
    const k = rng.int(1, n - 1);
    const picked = [...values.keys()].sort(() => rng.next() - 0.5).slice(0, k);
    const made = picked.reduce((sum, i) => sum + values[i]!, 0n);
    const cases = [
      ["made by a subset, with a count", made, k],
      ["off by one, with a count", made + 1n, k],
      ["made by a subset, no count", made, undefined],
      ["off by one, no count", made + 1n, undefined],
    ] as const;
    for (const [label, target, size] of cases) {
      const row = rows.get(label) ?? { yes: 0, no: 0, unsure: 0, slowest: 0 };
      const t0 = performance.now();
      const found = subsetWithSum(values, target, size);
      row.slowest = Math.max(row.slowest, performance.now() - t0);
      if (found === true) row.yes++;
      else if (found === false) row.no++;
      else row.unsure++;
      rows.set(label, row);
    }
  }
  for (const [label, r] of rows) console.log(`${n} | ${label} | ${r.yes} | ${r.no} | ${r.unsure} | ${r.slowest.toFixed(0)}`);
}
