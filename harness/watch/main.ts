#!/usr/bin/env node
/** `sumnet watch` on its own: `node dist/harness/watch/main.js --web --nodes ...` (used by the dashboard container). */
import { runWatchCommand } from "./watch-command.js";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort());
process.exitCode = await runWatchCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
