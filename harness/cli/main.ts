#!/usr/bin/env node
/**
 * `sumnet`: build, watch, test and grade peer-to-peer networks that keep a shared total.
 * Exit codes: 0 success, 1 a check failed, 2 invalid input or usage.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { COMMANDS } from "./command-table.js";
import { EXIT, UsageError } from "./usage.js";

function version(): string {
  try {
    // dist/harness/cli/main.js or harness/cli/main.ts -> the package.json above harness/
    const here = path.dirname(fileURLToPath(import.meta.url));
    const candidates = [path.resolve(here, "../../package.json"), path.resolve(here, "../../../package.json")];
    for (const file of candidates) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version: string };
        if (pkg.name === "sumnet") return pkg.version;
      } catch {
        // not there: try the next
      }
    }
    return "unknown";
  } catch {
    return "unknown";
  }
}

export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: sumnet <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "sumnet <command> --help" for a command's options.
Options: -h, --help  show this help;  --version  print the version

Exit codes: 0 success, 1 a check failed, 2 invalid input or usage.`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${mainUsage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`sumnet: unknown command "${name}"\n\n${mainUsage()}\n`);
    return EXIT.usage;
  }
  try {
    const command = await entry.load();
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sumnet ${name}: ${error.message}\n`);
      if (error.usage) process.stderr.write(`\n${error.usage}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Exit as soon as the command is done (a command that serves, like `peer` or `watch`, is done only at its signal).
  // Node 20 could spin a core for minutes in its exit clean-up (FreeEnvironment -> CleanupHandles, seen with perf)
  // after long explore campaigns had spawned and reaped hundreds of peer processes; process.exit skips that.
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`sumnet: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
