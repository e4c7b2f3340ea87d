import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AgentClient } from "../agent-client.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const TOKEN = "bundle-test-token-0123456789";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** The port from the agent's "listening on <host>:<port>" line, or the reason it exited first. */
function listeningPort(child: ChildProcess, output: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const look = (): void => {
      const match = /listening on [^ ]+:(\d+)/.exec(output());
      if (match) resolve(Number(match[1]));
    };
    child.stdout?.on("data", look);
    child.once("exit", (code) => reject(new Error(`the agent exited (${code}) before listening: ${output()}`)));
  });
}

describe("the link agent's bundle (docker/bundle-agent.mjs)", () => {
  it("runs on plain node: answers /health, and exits 0 on SIGTERM", async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), "sumnet-agent-bundle-"));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const outfile = path.join(folder, "sumnet-agent.mjs");
    const bundled = spawnSync(process.execPath, [path.join(root, "docker/bundle-agent.mjs"), "--outfile", outfile], { encoding: "utf8" });
    expect(bundled.status, bundled.stderr).toBe(0);

    // Started from the temp folder: the bundle needs nothing from the checkout (no node_modules).
    const child = spawn(process.execPath, [outfile], {
      cwd: folder,
      env: { PATH: process.env.PATH, AGENT_PORT: "0", AGENT_TOKEN: TOKEN, SUMNET_RUN: "bundle-run", DOCKER_SOCKET: path.join(folder, "no-docker.sock") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    cleanups.push(() => void child.kill("SIGKILL"));
    const port = await listeningPort(child, () => output);

    const client = new AgentClient(`http://127.0.0.1:${port}/${TOKEN}`, "this machine");
    expect(await client.health()).toMatchObject({ agent: "sumnet-agent", runId: "bundle-run" });
    child.kill("SIGTERM");
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/SIGTERM: closing/);
  });
});
