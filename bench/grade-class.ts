/**
 * `npm run bench:grade-class`: a class graded at once. 40 submissions (folders with a `command` file, as students
 * hand them in): correct peers (the reference peer) and the project's faulty peers, one bug each, graded by
 * `sumnet grade --course ... --submissions ... --jobs K` on the local runtime, with `--jobs 1` and `--jobs 2` one
 * after the other in this run. Prints the wall time of each, per submission, the speed-up, and the wrong verdicts:
 * a correct peer that did not get every point, or a faulty one that did.
 *
 *   npm run bench:grade-class                 # 40 submissions, the course below
 *   npm run bench:grade-class -- --count 8    # fewer, to try it
 *   npm run bench:grade-class -- --keep DIR   # keep the submissions, the course and the class reports in DIR
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { count: { type: "string", default: "40" }, keep: { type: "string" }, jobs: { type: "string", default: "1,2" } } });
const count = Number(values.count);
const jobsList = (values.jobs as string).split(",").map(Number);
if (!Number.isInteger(count) || count < 1) throw new Error(`--count expects a positive integer, got ${values.count}`);

/** The faulty peers, each with one bug (test/fixtures/faulty-peers/; slow.mjs is correct, only slow, so not here). */
const FAULTY = ["double-count", "neighbours-only", "no-resync", "lost-concurrent", "numbers-recount", "seq-reset"] as const;
/** Every other submission is correct; the faulty ones take turns. */
const kinds = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? "correct" : FAULTY[Math.floor(i / 2) % FAULTY.length]!));

const work = values.keep ? path.resolve(values.keep) : await mkdtemp(path.join(os.tmpdir(), "sumnet-class-"));
await mkdir(work, { recursive: true });
const submissions = path.join(work, "submissions");
for (const [i, kind] of kinds.entries()) {
  const dir = path.join(submissions, `s${String(i + 1).padStart(2, "0")}-${kind}`);
  await mkdir(dir, { recursive: true });
  const script = kind === "correct" ? path.join(root, "dist/node/main.js") : path.join(root, `test/fixtures/faulty-peers/${kind}.mjs`);
  await writeFile(path.join(dir, "command"), `node ${script}\n`);
}
// A course of four parts: the contract on one node (with the escaped-bug checks), a line, a partition and a kill.
const course = path.join(work, "course.yaml");
await writeFile(
  course,
  [
    "name: class-bench",
    "conformance: {points: 2}",
    "runs: 1",
    "scenarios:",
    `  - {file: ${path.join(root, "scenarios/01-line-basic.yaml")}, points: 2}`,
    `  - {file: ${path.join(root, "scenarios/03-star-partition-heal.yaml")}, points: 3}`,
    `  - {file: ${path.join(root, "scenarios/05-tree-kill-restart.yaml")}, points: 3}`,
    "",
  ].join("\n"),
);

function grade(jobs: number, out: string): Promise<{ ms: number; code: number; stderr: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "dist/harness/cli/main.js"), "grade", "--course", course, "--submissions", submissions, "--jobs", String(jobs), "--out", out],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
      (error, _stdout, stderr) => resolve({ ms: performance.now() - t0, code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

interface Row {
  readonly submission: string;
  readonly earned: number;
  readonly possible: number;
}

function parseCsv(text: string): Row[] {
  const lines = text.trim().split("\n");
  const header = (lines.shift() as string).split(",");
  const at = (name: string): number => header.indexOf(name);
  // Only the first columns are read; none of them holds a comma.
  return lines.map((line) => {
    const cells = line.split(",");
    return { submission: cells[at("submission")] as string, earned: Number(cells[at("earned")]), possible: Number(cells[at("possible")]) };
  });
}

process.stderr.write(`${count} submissions (${kinds.filter((k) => k === "correct").length} correct) in ${submissions}\n`);
const results: { jobs: number; ms: number; wrong: string[]; scores: Row[] }[] = [];
for (const jobs of jobsList) {
  const out = path.join(work, `class-jobs-${jobs}`);
  process.stderr.write(`grading with --jobs ${jobs}...\n`);
  const run = await grade(jobs, out);
  const rows = parseCsv(await readFile(path.join(out, "summary.csv"), "utf8"));
  const wrong = rows
    .filter((r) => {
      const correct = r.submission.endsWith("-correct");
      return correct ? r.earned !== r.possible : r.earned === r.possible;
    })
    .map((r) => `${r.submission} ${r.earned}/${r.possible}`);
  if (rows.length !== count) wrong.push(`${count - rows.length} submissions missing from the summary`);
  results.push({ jobs, ms: run.ms, wrong, scores: rows });
  process.stderr.write(`--jobs ${jobs}: ${(run.ms / 1000).toFixed(0)} s, exit ${run.code}, wrong verdicts: ${wrong.length === 0 ? "none" : wrong.join("; ")}\n`);
}

console.log(`| --jobs | submissions | wall time | per submission | speed-up over --jobs ${jobsList[0]} | wrong verdicts |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
for (const r of results) {
  const first = results[0] as (typeof results)[number];
  console.log(`| ${r.jobs} | ${count} | ${(r.ms / 1000).toFixed(0)} s | ${(r.ms / 1000 / count).toFixed(1)} s | ${(first.ms / r.ms).toFixed(2)}x | ${r.wrong.length === 0 ? "0" : r.wrong.join("; ")} |`);
}
// The two runs must agree on every score (the same class graded twice).
const [a, b] = results;
if (a && b) {
  const differ = a.scores.filter((r) => b.scores.find((s) => s.submission === r.submission)?.earned !== r.earned).map((r) => r.submission);
  console.log(`\nScores that differ between the runs: ${differ.length === 0 ? "none" : differ.join(", ")}`);
}
if (!values.keep) await rm(work, { recursive: true, force: true });
else console.log(`\nKept: ${work} (submissions/, course.yaml, class-jobs-K/summary.md, .csv, .html)`);
