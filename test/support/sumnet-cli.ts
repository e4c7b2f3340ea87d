/** The built `sumnet` CLI as users run it, for tests: a real process, its exit code and output. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const SUMNET_BIN = path.join(REPO_ROOT, "dist/harness/cli/main.js");

export interface SumnetRun {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number | undefined;
}

/** Runs `sumnet ARGS` from the repository root with NO_COLOR set; `input` is written to its stdin, then closed. */
export function runSumnet(args: readonly string[], input = ""): Promise<SumnetRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SUMNET_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("close", (code) => resolve({ code, stdout, stderr, pid: child.pid }));
    child.stdin.end(input);
  });
}

export function assertBuilt(): void {
  if (!existsSync(SUMNET_BIN)) throw new Error(`${SUMNET_BIN} is missing: run npm run build`);
}
