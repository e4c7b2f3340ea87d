/**
 * The command table of the `sumnet` CLI: one entry per subcommand, each implemented in `commands/<name>.ts` and
 * loaded only when it runs (so `sumnet total` does not pay for the runner, zod schemas or the peer).
 * To add a command (e.g. `watch`, `grade`), write `commands/<name>.ts` exporting a CliCommand and list it here.
 */
import type { CliCommand } from "./usage.js";

export interface CommandEntry {
  readonly name: string;
  /** One line for `sumnet --help`. */
  readonly summary: string;
  readonly load: () => Promise<CliCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "run",
    summary: "run scenario files and check every node's total",
    load: async () => (await import("./commands/run.js")).runCommand,
  },
  {
    name: "explore",
    summary: "run random scenarios until one fails, then shrink it to a minimal scenario",
    load: async () => (await import("./commands/explore.js")).exploreCommand,
  },
  {
    name: "validate",
    summary: "check scenario files without running them",
    load: async () => (await import("./commands/validate.js")).validateCommand,
  },
  {
    name: "schema",
    summary: "print the JSON Schema of scenario files",
    load: async () => (await import("./commands/schema.js")).schemaCommand,
  },
  {
    name: "add",
    summary: "add numbers at a peer (POST /numbers)",
    load: async () => (await import("./commands/add.js")).addCommand,
  },
  {
    name: "total",
    summary: "show the total a peer reports (GET /total)",
    load: async () => (await import("./commands/total.js")).totalCommand,
  },
  {
    name: "console",
    summary: "interactive menu on a peer: add a number, show the total, quit",
    load: async () => (await import("./commands/console.js")).consoleCommand,
  },
  {
    name: "peer",
    summary: "run the reference peer (configured by environment variables)",
    load: async () => (await import("./commands/peer.js")).peerCommand,
  },
  {
    name: "grade",
    summary: "grade an implementation (command or image) against the peer contract and the scenarios",
    load: async () => (await import("./commands/grade.js")).gradeCommand,
  },
  {
    name: "watch",
    summary: "watch a running network: live table of totals and links, or --web dashboard",
    load: async () => (await import("./commands/watch.js")).watchCommand,
  },
  {
    name: "compose",
    summary: "write a scenario's network as a docker compose project whose driver plays the steps live",
    load: async () => (await import("./commands/compose.js")).composeCommand,
  },
  {
    name: "drive",
    summary: "play a scenario's steps live against a compose project's peers (the driver service)",
    load: async () => (await import("./commands/drive.js")).driveCommand,
  },
  {
    name: "clean",
    summary: "remove containers and networks left by interrupted docker runs",
    load: async () => (await import("./commands/clean.js")).cleanCommand,
  },
];
