import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { quoteWord } from "./command-line.js";
import { NodeProcess } from "./node-process.js";

const node = quoteWord(process.execPath);

describe("NodeProcess", () => {
  it("drops output that arrives after its folder was removed, and throws nothing", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-late-output-"));
    const exits: unknown[] = [];
    const proc = new NodeProcess(
      { id: "late", command: `${node} -e "setTimeout(() => console.log('late words'), 300)"`, logPath: path.join(dir, "logs", "late.log") },
      (exit) => exits.push(exit),
    );
    // The log's folder never existed (as after clean-up): the first write fails, asynchronously.
    proc.spawn({ PATH: process.env.PATH });
    await rm(dir, { recursive: true, force: true });
    await proc.exited();
    await new Promise((r) => setTimeout(r, 100));
    expect(exits).toHaveLength(1);
    expect(await proc.readLog()).toBe("");
  });

  it("drops output after its log was closed", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-closed-log-"));
    try {
      const proc = new NodeProcess(
        { id: "chatty", command: `${node} -e "setInterval(() => console.log('still here'), 20)"`, logPath: path.join(dir, "chatty.log") },
        () => undefined,
      );
      proc.spawn({ PATH: process.env.PATH });
      await new Promise((r) => setTimeout(r, 200));
      await proc.closeLog();
      await rm(dir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 150));
      await proc.kill();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
