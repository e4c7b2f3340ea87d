/**
 * Interrupted docker runs: Ctrl-C (SIGINT) to a harness process removes everything it started; after a SIGKILL
 * (nothing can clean up) `sumnet clean` finds the leftovers and removes them. Real child processes, real engine.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanCommand } from "../../harness/cli/commands/clean.js";
import { dockerClient } from "../../harness/runtime/docker/engine.js";
import { findLeftovers, removeLeftovers } from "../../harness/runtime/docker/leftovers.js";
import { ensureReferenceImage } from "../../harness/runtime/docker/reference-image.js";
import { dockerGate } from "./docker-gate.js";

const gate = await dockerGate("interrupted docker run tests");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(root, "test/docker/fixtures/hold-network.ts");

describe.skipIf(!gate.available)("interrupted docker runs", () => {
  let image: string;
  const children: ChildProcess[] = [];
  const runs: string[] = [];

  beforeAll(async () => {
    image = await ensureReferenceImage({ log: (line) => console.log(line) });
  }, 900_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    const docker = await dockerClient();
    for (const run of runs) await removeLeftovers(docker, await findLeftovers(docker, { run }));
  }, 60_000);

  /** Starts the fixture; resolves with its run id once its network is healthy. */
  async function holdNetwork(): Promise<{ child: ChildProcess; run: string; exit: Promise<{ code: number | null; signal: string | null }> }> {
    const child = spawn(process.execPath, ["--import", "tsx", fixture], {
      cwd: root,
      env: { ...process.env, SUMNET_TEST_IMAGE: image },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    let output = "";
    const run = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /ready (\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      void exit.then(({ code, signal }) => reject(new Error(`fixture exited (${code ?? signal}) before ready:\n${output}`)));
    });
    runs.push(run);
    return { child, run, exit };
  }

  it("SIGINT removes every container, the network and the DATA_DIR folder, then exits 130", async () => {
    const { child, run, exit } = await holdNetwork();
    const docker = await dockerClient();
    const before = await findLeftovers(docker, { run });
    expect(before.filter((l) => l.kind === "container").length).toBe(2);
    expect(before.filter((l) => l.kind === "network").length).toBe(1);
    const dataDirs = before.flatMap((l) => l.dataDirs);
    expect(dataDirs.length).toBe(1);
    child.kill("SIGINT");
    expect(await exit).toEqual({ code: 130, signal: null });
    expect(await findLeftovers(docker, { run })).toEqual([]);
    expect(dataDirs.filter((dir) => existsSync(dir))).toEqual([]);
  }, 120_000);

  it("after SIGKILL, `sumnet clean` finds the leftovers of the dead run and removes them", async () => {
    const { child, run, exit } = await holdNetwork();
    child.kill("SIGKILL");
    await exit;
    const docker = await dockerClient();
    const left = await findLeftovers(docker, { run });
    expect(left.length).toBe(3);
    expect(left.every((l) => !l.ownerAlive)).toBe(true);
    const dataDirs = left.flatMap((l) => l.dataDirs);
    expect(dataDirs.filter((dir) => existsSync(dir)).length).toBe(1);

    expect(await cleanCommand.run(["--run", run, "--dry-run"])).toBe(0);
    expect((await findLeftovers(docker, { run })).length).toBe(3);
    expect(await cleanCommand.run(["--run", run])).toBe(0);
    expect(await findLeftovers(docker, { run })).toEqual([]);
    expect(dataDirs.filter((dir) => existsSync(dir))).toEqual([]);
  }, 120_000);

  it("`sumnet clean` keeps a run whose harness is alive unless --force", async () => {
    const { run, exit, child } = await holdNetwork();
    const docker = await dockerClient();
    expect(await cleanCommand.run(["--run", run])).toBe(0);
    expect((await findLeftovers(docker, { run })).length).toBe(3);
    expect(await cleanCommand.run(["--run", run, "--force"])).toBe(0);
    expect(await findLeftovers(docker, { run })).toEqual([]);
    child.kill("SIGKILL");
    await exit;
  }, 120_000);
});
