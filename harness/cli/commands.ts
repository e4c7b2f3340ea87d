/**
 * The command table of the `sumnet` CLI: one entry per subcommand, each implemented in `commands/<name>.ts`.
 * To add a command (e.g. `watch`, `grade`), write `commands/<name>.ts` exporting a CliCommand and list it here.
 */
import type { CliCommand } from "./usage.js";
import { runCommand } from "./commands/run.js";
import { validateCommand } from "./commands/validate.js";
import { schemaCommand } from "./commands/schema.js";
import { addCommand } from "./commands/add.js";
import { totalCommand } from "./commands/total.js";
import { consoleCommand } from "./commands/console.js";
import { peerCommand } from "./commands/peer.js";
import { gradeCommand } from "./commands/grade.js";
import { watchCommand } from "./commands/watch.js";
import { cleanCommand } from "./commands/clean.js";

export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  validateCommand,
  schemaCommand,
  addCommand,
  totalCommand,
  consoleCommand,
  peerCommand,
  gradeCommand,
  watchCommand,
  cleanCommand,
];
