/**
 * One peer as a child process: its own process group (so signals reach anything it spawns), stdout and stderr
 * appended to one log file across restarts, graceful stop with a SIGKILL deadline, pause and resume. Output that
 * arrives after the log was closed (a peer's last words after clean-up removed its folder) is dropped, never thrown.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { NodeExit } from "../runtime.js";
import { splitCommandLine } from "./command-line.js";

/** A node's log stops growing beyond this (a peer flooding its log must not fill the disk). */
const MAX_LOG_BYTES = 32 * 1024 * 1024;

export interface NodeProcessOptions {
  readonly id: string;
  readonly command: string;
  readonly logPath: string;
  readonly cwd?: string;
}

export class NodeProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<NodeExit> | undefined;
  private log: WriteStream | undefined;
  private logBytes = 0;
  private expectingExit = false;
  /** Set by closeLog: nothing is written any more. */
  private logClosed = false;
  lastExit: NodeExit | undefined;
  starts = 0;

  constructor(
    private readonly options: NodeProcessOptions,
    /** Every exit, expected (stop, kill) or not (a crash). */
    private readonly onExit: (exit: NodeExit) => void,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private writeLog(text: string | Buffer): void {
    if (this.logClosed) return;
    if (!this.log) {
      this.log = createWriteStream(this.options.logPath, { flags: "a" });
      // The folder may be gone (clean-up after a failed run): the log is lost, the harness goes on.
      this.log.on("error", () => {
        this.logClosed = true;
        this.log = undefined;
      });
    }
    if (this.logBytes >= MAX_LOG_BYTES) return;
    this.logBytes += text.length;
    this.log.write(text);
    if (this.logBytes >= MAX_LOG_BYTES) this.log.write(`\n[sumnet] log truncated at ${MAX_LOG_BYTES} bytes\n`);
  }

  /** Spawn the process (does not wait for health). */
  spawn(env: NodeJS.ProcessEnv): void {
    if (this.child) throw new Error(`${this.options.id} is already running`);
    const argv = splitCommandLine(this.options.command);
    this.starts++;
    this.expectingExit = false;
    this.writeLog(`[sumnet] start #${this.starts} at ${new Date().toISOString()}: ${this.options.command}\n`);
    const child = spawn(argv[0] as string, argv.slice(1), {
      env,
      cwd: this.options.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (c: Buffer) => this.writeLog(c));
    child.stderr?.on("data", (c: Buffer) => this.writeLog(c));
    this.exitPromise = new Promise<NodeExit>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
        if (this.child !== child) return;
        this.child = undefined;
        const exit: NodeExit = { code, signal, expected: this.expectingExit };
        this.lastExit = exit;
        this.writeLog(
          `[sumnet] exited ${error ? `(spawn failed: ${error.message})` : `code=${code} signal=${signal}`}${exit.expected ? "" : " (unexpected)"}\n`,
        );
        resolve(exit);
        this.onExit(exit);
      };
      child.once("error", (error) => finish(null, null, error));
      child.once("exit", (code, signal) => finish(code, signal));
    });
  }

  /** Resolves when the process has exited (immediately when it is not running). */
  async exited(): Promise<NodeExit | undefined> {
    return this.child ? this.exitPromise : this.lastExit;
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig); // the whole process group
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. Resolves when the process is gone. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.child) return;
    this.expectingExit = true;
    const exited = this.exitPromise as Promise<NodeExit>;
    this.signal("SIGTERM");
    this.signal("SIGCONT"); // a paused process must run to see SIGTERM
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
    const result = await Promise.race([exited, deadline]);
    clearTimeout(timer);
    if (result === "timeout") {
      this.writeLog(`[sumnet] did not exit within ${timeoutMs} ms of SIGTERM: SIGKILL\n`);
      this.signal("SIGKILL");
      await exited;
    }
    this.signal("SIGKILL"); // leftovers in the group
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    this.expectingExit = true;
    const exited = this.exitPromise as Promise<NodeExit>;
    this.signal("SIGKILL");
    await exited;
  }

  /** SIGSTOP the process group: it keeps its state and sockets but runs no code until resumed. */
  pause(): void {
    this.signal("SIGSTOP");
  }

  resume(): void {
    this.signal("SIGCONT");
  }

  /** Synchronous last resort (process exit, SIGINT): SIGKILL the group. */
  killNow(): void {
    this.expectingExit = true;
    this.signal("SIGKILL");
  }

  async readLog(): Promise<string> {
    await this.flushLog();
    try {
      return await readFile(this.options.logPath, "utf8");
    } catch {
      return "";
    }
  }

  async flushLog(): Promise<void> {
    const log = this.log;
    if (!log) return;
    // Writes complete in order: an empty write's callback runs after every earlier one.
    await new Promise<void>((resolve) => log.write("", () => resolve()));
  }

  async closeLog(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    this.logClosed = true;
    if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
  }
}
