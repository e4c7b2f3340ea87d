import path from "node:path";
import chalk from "chalk";
import { FORMATS, type ResultsFormat } from "../../grade/autograder-formats.js";
import { gradeSubmissions, writeSummary } from "../../grade/batch.js";
import { CourseError, loadCourseFile, type LoadedCourse } from "../../grade/course.js";
import { grade, type Implementation } from "../../grade/grade.js";
import type { GradeReport } from "../../grade/report.js";
import { readSubmissions, SubmissionsError } from "../../grade/submissions.js";
import { durationOption } from "../duration-option.js";
import { EXIT, integerOption, parseCommandArgs, UsageError, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet grade (--peer-command CMD | --image IMG | --submissions DIR) [options]

Grade an implementation of the peer contract (PEER-CONTRACT.md): a conformance check on one node, then every
scenario with a wall-clock limit, a score (scenario weights, default 1 each), and a report in Markdown and JSON.

What to grade (exactly one):
  --peer-command CMD   a command that starts one peer (every node a process on this machine)
  --image IMG          a container image (every node a sandboxed container; needs a Docker engine)
  --submissions DIR    every submission in DIR: images.txt ("<name> <image>" per line) and/or folders with a
                       "command" file; writes the class summary (summary.md, summary.csv, summary.html: scores,
                       scenarios failed across the class, most common bug classes) and a report per submission
  --jobs K             grade K submissions at once (default 1), each in its own networks, ports and folders

Options:
  --course FILE        a course file (examples/course.yaml): scenario files with points, visibility, runs and time
                       limits, the conformance check's points, mixing; replaces --scenarios, --runs and --mix
  --scenarios PATH     scenario file or folder (repeatable; default scenarios/)
  --out DIR            where reports go (default results/grade)
  --format FORMAT      also write <out>/results.json for a course platform: gradescope (Gradescope's autograder
                       results) or prairielearn (PrairieLearn's external grader); rewritten after every scenario,
                       so a grade that is killed keeps the points of the scenarios that finished
  --replay-command CMD the peer command shown in the replay commands of the feedback (default: the graded one;
                       an autograder that wraps the student's command passes the student's own)
  --mix reference      run about half the nodes of each scenario as reference peers (checks PROTOCOL.md)
  --timeout SECONDS    wall-clock limit per scenario (default: from the scenario's own timeouts, plus 30 s)
  --seed N             override every scenario's seed
  --runs N             run each scenario N times with seeds seed, seed+1, ...: points by pass rate, and a scenario
                       that passes only some runs is FLAKY ("passed 7 of 10 runs; failed seeds 3, 5, 9")
  --shrink-budget TIME time to shrink failed scenarios to minimal ones (minimal.yaml, shown in the reports), for
                       the whole grade of a submission, e.g. 90s (default 60s; 0: off)
  --health-timeout S   how long the conformance node may take to answer GET /health (default 15)
  --memory MIB         memory limit per container (default 256)     [--image]
  --cpus N             CPU limit per container (default 0.5)        [--image]
  --pids N             process limit per container (default 128)    [--image]
  --data-dir-size MIB  size of each node's DATA_DIR (default 64)   [--image]
                       (a host tmpfs: needs root on Linux; writing more fails with ENOSPC; not on swarm)
  --runtime NAME       where images run: docker (default: containers on this engine) or swarm (Docker Swarm
                       services; run on a swarm manager; the sandbox's memory, CPU, process, read-only and
                       capability limits apply, a warning names the rest)                  [--image]
  --registry HOST:PORT swarm: push the images to this registry, so every machine can pull them
  -h, --help           show this help

Reports: <out>/report.md and <out>/report.json (per scenario: pass/fail, the checker's message, convergence time,
the end of each failing node's log, the command that replays a failure and its minimal scenario); node logs and
minimal.yaml of failing scenarios in <out>/scenarios/.

Ctrl-C stops after the running scenario's current step and still writes the reports (and results.json) with every
scenario that finished; the rest are marked not run.

Exit codes: 0 everything passed, 1 something failed (or a submission could not be graded), 2 usage error,
130 interrupted.`;

/** Like \`sumnet run\`: interrupted by Ctrl-C. */
const EXIT_INTERRUPTED = 130;

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} expects a positive number, got "${value}"`, usage);
  return n;
}

function printReportSummary(report: GradeReport, files: { markdown: string; json: string; results?: string }): void {
  const { score } = report;
  const verdict = report.passed ? chalk.green("PASSED") : chalk.red("FAILED");
  process.stdout.write(
    `${verdict} ${report.implementation.name}: score ${score.earned}/${score.possible} (${score.percent}%), ` +
      `conformance ${report.conformance.passed ? "pass" : chalk.red("fail")}, ` +
      `${report.scenarios.filter((s) => s.status === "pass").length}/${report.scenarios.length} scenarios\n` +
      `report: ${files.markdown}\n        ${files.json}\n${files.results ? `        ${files.results}\n` : ""}`,
  );
}

export const gradeCommand: CliCommand = {
  name: "grade",
  summary: "grade an implementation (command or image) against the contract and the scenarios",
  usage,
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      {
        "peer-command": { type: "string" },
        image: { type: "string" },
        submissions: { type: "string" },
        course: { type: "string" },
        scenarios: { type: "string", multiple: true },
        out: { type: "string" },
        format: { type: "string" },
        "replay-command": { type: "string" },
        mix: { type: "string" },
        timeout: { type: "string" },
        seed: { type: "string" },
        runs: { type: "string" },
        jobs: { type: "string" },
        "health-timeout": { type: "string" },
        "shrink-budget": { type: "string" },
        memory: { type: "string" },
        cpus: { type: "string" },
        pids: { type: "string" },
        "data-dir-size": { type: "string" },
        runtime: { type: "string" },
        registry: { type: "string" },
      },
      usage,
      false,
    );
    if (!args) return EXIT.ok;
    const v = args.values;
    if (process.env.NO_COLOR) chalk.level = 0;
    const chosen = [v["peer-command"], v.image, v.submissions].filter((x) => x !== undefined);
    if (chosen.length !== 1) {
      throw new UsageError("give exactly one of --peer-command CMD, --image IMG or --submissions DIR", usage);
    }
    if (v.mix !== undefined && v.mix !== "reference") {
      throw new UsageError(`--mix accepts only "reference", got "${v.mix}"`, usage);
    }
    if (v.format !== undefined && !(FORMATS as readonly string[]).includes(v.format)) {
      throw new UsageError(`--format expects ${FORMATS.join(" or ")}, got "${v.format}"`, usage);
    }
    const format = v.format as ResultsFormat | undefined;
    if (v.runtime !== undefined && v.runtime !== "docker" && v.runtime !== "swarm") {
      throw new UsageError(`--runtime expects docker or swarm (images; a --peer-command runs as local processes), got "${v.runtime}"`, usage);
    }
    if (v.runtime !== undefined && v["peer-command"] !== undefined) throw new UsageError("--runtime goes with --image or --submissions of images", usage);
    if (v.registry !== undefined && v.runtime !== "swarm") throw new UsageError("--registry goes with --runtime swarm", usage);
    let course: LoadedCourse | undefined;
    if (v.course !== undefined) {
      if (v.scenarios !== undefined || v.runs !== undefined || v.mix !== undefined) {
        throw new UsageError("--course names the scenarios, runs and mixing itself: leave out --scenarios, --runs and --mix", usage);
      }
      try {
        course = await loadCourseFile(v.course);
      } catch (error) {
        if (error instanceof CourseError) throw new UsageError(error.message, usage);
        throw error;
      }
    }
    const timeoutS = positiveNumber("timeout", v.timeout);
    const healthS = positiveNumber("health-timeout", v["health-timeout"]);
    const runs = positiveNumber("runs", v.runs);
    if (runs !== undefined && !Number.isInteger(runs)) throw new UsageError(`--runs expects a whole number, got "${v.runs}"`, usage);
    const jobs = positiveNumber("jobs", v.jobs) ?? 1;
    if (!Number.isInteger(jobs)) throw new UsageError(`--jobs expects a whole number, got "${v.jobs}"`, usage);
    if (v.jobs !== undefined && v.submissions === undefined) throw new UsageError("--jobs goes with --submissions DIR", usage);
    const shrinkBudgetMs = v["shrink-budget"] === "0" ? 0 : durationOption("shrink-budget", v["shrink-budget"], usage);
    const memory = positiveNumber("memory", v.memory);
    const cpus = positiveNumber("cpus", v.cpus);
    const pids = positiveNumber("pids", v.pids);
    const dataDirSize = positiveNumber("data-dir-size", v["data-dir-size"]);
    const sandbox = {
      memoryMiB: Math.round(memory ?? 256),
      cpus: cpus ?? 0.5,
      pids: Math.round(pids ?? 128),
      tmpMiB: 32,
      logMiB: 8,
      dataDirMiB: Math.max(1, Math.round(dataDirSize ?? 64)),
    };
    const common = {
      scenarios: course?.scenarioFiles ?? v.scenarios ?? ["scenarios"],
      mix: (course?.course.mix ?? v.mix) === "reference" ? ("reference" as const) : ("none" as const),
      ...(course ? { scenarioSettings: course.settings } : {}),
      formatOptions: { ...(course?.formatOptions ?? {}), replayPeerCommand: v["replay-command"] },
      seed: integerOption("seed", v.seed, usage),
      runs,
      format,
      scenarioTimeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
      healthTimeoutMs: healthS === undefined ? undefined : healthS * 1000,
      ...(shrinkBudgetMs === undefined ? {} : { shrinkBudgetMs }),
      sandbox,
      containerRuntime: v.runtime === "swarm" ? ("swarm" as const) : ("docker" as const),
      registry: v.registry,
      log: (line: string) => process.stdout.write(`${line}\n`),
    };
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort();
    process.once("SIGINT", onInterrupt);
    try {
      if (v.submissions === undefined) {
        const implementation: Implementation =
          v.image !== undefined ? { kind: "image", image: v.image } : { kind: "command", command: v["peer-command"] as string };
        const { report, files } = await grade({
          ...common,
          implementation,
          outDir: v.out ?? path.join("results", "grade"),
          signal: controller.signal,
        });
        printReportSummary(report, files);
        if (controller.signal.aborted) {
          process.stdout.write("interrupted: the report has every scenario that finished; the rest are marked not run\n");
          return EXIT_INTERRUPTED;
        }
        return report.passed ? EXIT.ok : EXIT.failed;
      }

      let submissions;
      try {
        submissions = await readSubmissions(v.submissions);
      } catch (error) {
        if (error instanceof SubmissionsError) throw new UsageError(error.message, usage);
        throw error;
      }
      const outDir = path.resolve(v.out ?? path.join("results", "grade"));
      const { log, ...shared } = common;
      const rows = await gradeSubmissions(submissions, {
        grade: { ...shared, signal: controller.signal },
        outDir,
        jobs,
        log,
        signal: controller.signal,
      });
      const summary = await writeSummary(outDir, rows);
      if (controller.signal.aborted) process.stdout.write("interrupted: the summary has the submissions graded so far\n");
      process.stdout.write(
        `\n${rows.filter((r) => r.passed).length} of ${rows.length} submissions pass everything.\n` +
          `summary: ${summary.markdown}\n         ${summary.csv}\n         ${summary.html}\n`,
      );
      if (controller.signal.aborted) return EXIT_INTERRUPTED;
      return rows.length === submissions.length && rows.every((r) => r.passed) ? EXIT.ok : EXIT.failed;
    } finally {
      process.off("SIGINT", onInterrupt);
    }
  },
};
