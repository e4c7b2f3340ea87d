import { runWatchCommand, WATCH_HELP } from "../../watch/watch-command.js";
import type { CliCommand } from "../usage.js";

/** `sumnet watch`: the live terminal table or (--web) the dashboard; implemented in harness/watch. */
export const watchCommand: CliCommand = {
  name: "watch",
  summary: "watch a running network: live table of totals and links, or --web dashboard",
  usage: WATCH_HELP,
  async run(argv) {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      return await runWatchCommand(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  },
};
