/** Batch grading input (submissions folders) and --mix reference: pure functions, real files. */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateScenario } from "../scenario/index.js";
import { logTail } from "./log-tail.js";
import { mixWithReference } from "./mix.js";
import { commandInFolder, readSubmissions, SubmissionsError } from "./submissions.js";

describe("readSubmissions", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  async function folder(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "sumnet-submissions-"));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, ".."), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }

  it("reads images.txt lines and folders with a command file", async () => {
    const dir = await folder({
      "images.txt": "# class of 2026\nalice  alice/peer:1\nbob-peer:latest   # no name: derived\n\n",
      "carol/command": "\n  python3 peer.py  \n",
      "carol/peer.py": "",
      "notes/readme.txt": "no command file: not a submission",
    });
    const subs = await readSubmissions(dir);
    expect(subs).toEqual([
      { kind: "image", name: "alice", image: "alice/peer:1" },
      { kind: "image", name: "bob-peer-latest", image: "bob-peer:latest" },
      { kind: "command", name: "carol", command: "python3 peer.py", dir: join(dir, "carol") },
    ]);
    const carol = subs[2];
    if (carol?.kind !== "command") throw new Error("expected a command submission");
    expect(commandInFolder(carol)).toBe(`sh -c "cd '${join(dir, "carol")}' && exec python3 peer.py"`);
  });

  it("names the file and line of a bad entry", async () => {
    const dir = await folder({ "images.txt": "ok img:1\nthree words here\n", "x/command": "" });
    const error = await readSubmissions(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubmissionsError);
    expect((error as Error).message).toContain(`${join(dir, "images.txt")}:2: expected "<name> <image>" or "<image>"`);
    expect((error as Error).message).toContain(`${join(dir, "x", "command")}: empty`);
  });

  it("rejects an empty folder and duplicate names", async () => {
    await expect(readSubmissions(await folder({}))).rejects.toThrow(/no submissions in/);
    const dir = await folder({ "images.txt": "a img:1\n", "a/command": "./peer" });
    await expect(readSubmissions(dir)).rejects.toThrow(/submission name "a" is used twice/);
  });
});

describe("mixWithReference", () => {
  const scenario = validateScenario({
    name: "mix",
    topology: { type: "line", nodes: 5 },
    nodes: { n4: { command: "pinned" } },
    steps: [{ inject: { values: [1] } }, { join: { node: "j1", links: ["n1"] } }, { join: { node: "j2", links: ["n2"] } }],
  });

  it("gives every second node and join the reference peer, keeping pinned nodes", () => {
    const { scenario: mixed, referenceNodes } = mixWithReference(scenario, { command: "node ref.js" });
    expect(referenceNodes).toEqual(["n2", "j1"]);
    expect(mixed.nodes?.n2?.command).toBe("node ref.js");
    expect(mixed.nodes?.n1).toBeUndefined();
    expect(mixed.nodes?.n4?.command).toBe("pinned");
    const joins = mixed.steps.flatMap((s) => ("join" in s ? [s.join] : []));
    expect(joins.map((j) => j.command)).toEqual(["node ref.js", undefined]);
    // The input is not modified.
    expect(scenario.nodes?.n2).toBeUndefined();
  });

  it("pins images for container runtimes", () => {
    const { scenario: mixed } = mixWithReference(scenario, { image: "sumnet/peer:dev" });
    expect(mixed.nodes?.n2).toEqual({ image: "sumnet/peer:dev" });
  });
});

describe("logTail", () => {
  it("keeps the last lines, cuts long ones, makes control characters visible", () => {
    const log = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n") + "\n" + "x".repeat(1000) + "\u0007\n";
    const tail = logTail(log, { lines: 3, lineChars: 50 });
    expect(tail.split("\n")).toEqual(["...", "line 98", "line 99", `${"x".repeat(50)}... (1001 chars)`]);
    expect(logTail("a\u001b[31mred\u001b[0m\u0001\n")).toBe("ared?");
  });
});

describe("scenario time limit and score", () => {
  it("adds up what a scenario may wait for, plus a margin", async () => {
    const { planScenario } = await import("../scenario/index.js");
    const { scenarioTimeLimitMs } = await import("./time-limit.js");
    const plan = planScenario(
      validateScenario({
        name: "limits",
        topology: { type: "line", nodes: 3 },
        defaults: { expectTimeout: "10s", healthTimeout: "15s", stopTimeout: "5s" },
        steps: [{ inject: { values: [1] } }, { expect: {} }, { sleep: "2s" }, { restart: "n2" }, { expect: { timeout: "20s" } }],
      }),
    );
    // health 15 + margin 30 + inject 2 + expect 10 + sleep 2 + restart (stop 5 + health 15) + expect 20
    expect(scenarioTimeLimitMs(plan)).toBe(99_000);
  });

  it("scores by weight and renders a failing scenario with its nodes' logs", async () => {
    const { computeScore, renderMarkdown } = await import("./report.js");
    const base = { file: "f.yaml", convergenceMs: null, durationMs: 1000, referenceNodes: [], failingNodes: [] };
    const scenarios = [
      { ...base, name: "a", weight: 2, status: "pass" as const, message: "ok", convergenceMs: 120 },
      {
        ...base,
        name: "b",
        weight: 1,
        status: "fail" as const,
        message: "step 2 (expect): 1 of 2 nodes did not report the expected total within 10.0 s:\nn2 reports 1, expected 3",
        failingNodes: [{ node: "n2", reason: "reports 1, expected 3", logTail: "n2 started\n```oops" }],
      },
    ];
    const score = computeScore(scenarios);
    expect(score).toEqual({ earned: 2, possible: 3, percent: 66.7 });
    const md = renderMarkdown({
      implementation: { kind: "command", value: "python3 peer.py", name: "alice" },
      runtime: "local",
      mix: "none",
      sandbox: null,
      startedAt: "2026-11-25T00:00:00.000Z",
      durationMs: 5000,
      conformance: { passed: true, checks: [{ id: "health", title: "GET /health", status: "pass", message: "ok" }], logTail: "", durationMs: 1 },
      scenarios,
      score,
      passed: false,
    });
    expect(md).toContain("**FAILED**, score **2/3 (66.7%)**");
    expect(md).toContain("| a | 2 | PASS | 0.1 s | ok |");
    expect(md).toContain("| b | 1 | FAIL | - | step 2 (expect): 1 of 2 nodes did not report the expected total within 10.0 s: n2 reports 1, expected 3 |");
    expect(md).toContain("#### n2: reports 1, expected 3");
    // A log cannot close the code fence it is shown in.
    expect(md).toContain("n2 started\n'''oops\n```");
  });
});
