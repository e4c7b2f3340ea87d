/**
 * A classroom-style p2pnetwork node (test/peer/fixtures/classroom_node.py) as a child process: type into it, ask for
 * its sum, read its events. `dispose()` kills it; call it in afterEach.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { freePorts, waitUntil } from "./peer-processes.js";

const SCRIPT = resolve(import.meta.dirname, "../peer/fixtures/classroom_node.py");

export interface ClassroomEvent {
  event: "listening" | "connected" | "disconnected" | "received" | "ignored" | "sum";
  [field: string]: unknown;
}

export class ClassroomNode {
  readonly events: ClassroomEvent[] = [];
  private stderr = "";
  private partial = "";

  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
  ) {
    proc.stdout!.on("data", (chunk: Buffer) => {
      const text = this.partial + chunk.toString();
      const lines = text.split("\n");
      this.partial = lines.pop()!;
      for (const line of lines) if (line) this.events.push(JSON.parse(line) as ClassroomEvent);
    });
    proc.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Starts the node listening on a free port and dialing each `dial` address (`127.0.0.1:PORT`). */
  static async start(dial: string[] = []): Promise<ClassroomNode> {
    const [port] = await freePorts(1);
    const proc = spawn("python3", [SCRIPT, String(port), ...dial], { stdio: ["pipe", "pipe", "pipe"] });
    const node = new ClassroomNode(proc, port!);
    await node.until("listening", () => node.events.some((e) => e.event === "listening"));
    return node;
  }

  get id(): string {
    return this.events.find((e) => e.event === "listening")!.id as string;
  }

  /** What a user types: sent to every connection as text. */
  type(text: string): void {
    this.proc.stdin!.write(`send ${text}\n`);
  }

  connect(address: string): void {
    this.proc.stdin!.write(`connect ${address}\n`);
  }

  /** Asks the node for its sum (its own numbers plus what it received). */
  async sum(): Promise<bigint> {
    const before = this.events.filter((e) => e.event === "sum").length;
    this.proc.stdin!.write("sum\n");
    await this.until("its sum", () => this.events.filter((e) => e.event === "sum").length > before);
    return BigInt(this.events.filter((e) => e.event === "sum")[before]!.sum as string);
  }

  /** Waits until the node's sum is `expected`; fails with the last sum it printed. */
  async sumReaches(expected: bigint, timeoutMs = 20_000): Promise<void> {
    let last: bigint | undefined;
    try {
      await waitUntil(`classroom sum ${expected}`, timeoutMs, async () => (last = await this.sum()) === expected);
    } catch {
      throw new Error(`classroom node on ${this.port}: sum ${last}, expected ${expected}\n${this.stderr}`);
    }
  }

  async until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
    await waitUntil(what, timeoutMs, async () => {
      if (this.proc.exitCode !== null) throw new Error(`classroom node exited ${this.proc.exitCode}: ${this.stderr}`);
      return check();
    });
  }

  async dispose(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((ok) => this.proc.once("exit", ok));
    this.proc.kill("SIGKILL");
    await exited;
  }
}
