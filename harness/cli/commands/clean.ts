/**
 * `sumnet clean`: removes what interrupted docker and swarm runs left behind (services, containers, volumes and
 * networks labelled `sumnet.run`).
 */
import { dockerClient, engineAvailability } from "../../runtime/docker/engine.js";
import { findLeftovers, removeLeftovers, type Leftover } from "../../runtime/docker/leftovers.js";
import { EXIT, parseCommandArgs, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet clean [--run ID] [--dry-run] [--force] [--json]

Remove what interrupted \`sumnet run --runtime docker|swarm\` runs left behind: swarm services (nodes and link
agents; on a swarm manager), containers, volumes and networks labelled sumnet.run. On a swarm of several machines,
run it on each machine for its containers and volumes. Runs whose harness process is still alive on this machine are
kept unless --force.

Options:
  --run ID     only this run (the id in container names sumnet-<run>-<node> and in the sumnet.run label)
  --dry-run    list what would be removed, remove nothing
  --force      also remove runs whose harness process still runs
  --json       print one JSON object: {"removed":[...],"kept":[...],"failed":[...]}
  -h, --help   show this help

Exit codes: 0 nothing left to remove (or --dry-run), 1 something could not be removed or no Docker engine answers,
2 usage error.`;

function describe(l: Leftover): string {
  return `${l.kind} ${l.name} (run ${l.run}${l.network ? `, "${l.network}"` : ""})`;
}

export const cleanCommand: CliCommand = {
  name: "clean",
  summary: "remove services, containers, volumes and networks left by interrupted docker and swarm runs",
  usage,
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { run: { type: "string" }, "dry-run": { type: "boolean" }, force: { type: "boolean" }, json: { type: "boolean" } },
      usage,
      false,
    );
    if (!args) return EXIT.ok;
    const engine = await engineAvailability();
    if (!engine.available) {
      process.stderr.write(`sumnet clean: ${engine.reason}\n`);
      return EXIT.failed;
    }
    const docker = await dockerClient();
    const found = await findLeftovers(docker, { run: args.values.run });
    const kept = args.values.force ? [] : found.filter((l) => l.ownerAlive);
    const targets = found.filter((l) => !kept.includes(l));
    const print = (line: string): void => void (args.values.json ? undefined : process.stdout.write(`${line}\n`));
    for (const l of kept) print(`kept ${describe(l)}: its harness process is still running (--force removes it)`);
    if (args.values["dry-run"]) {
      for (const l of targets) print(`would remove ${describe(l)}`);
      if (args.values.json) process.stdout.write(`${JSON.stringify({ removed: [], wouldRemove: targets, kept, failed: [] })}\n`);
      else print(`${targets.length} leftover${targets.length === 1 ? "" : "s"} found (dry run: nothing removed)`);
      return EXIT.ok;
    }
    const result = await removeLeftovers(docker, targets);
    for (const l of result.removed) print(`removed ${describe(l)}`);
    for (const f of result.failed) print(`failed to remove ${describe(f.leftover)}: ${f.error}`);
    if (args.values.json) {
      process.stdout.write(`${JSON.stringify({ removed: result.removed, kept, failed: result.failed })}\n`);
    } else {
      print(`removed ${result.removed.length}, kept ${kept.length}, failed ${result.failed.length}`);
    }
    return result.failed.length > 0 ? EXIT.failed : EXIT.ok;
  },
};
