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
