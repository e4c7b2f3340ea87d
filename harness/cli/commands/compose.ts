import { readFile, writeFile } from "node:fs/promises";
import { ComposeError, composeProject, composeYaml } from "../../compose/compose-file.js";
import { formatProblem, parseScenarioText, ScenarioError } from "../../scenario/load.js";
import { planScenario, PlanError } from "../../scenario/plan.js";
import { EXIT, integerOption, parseCommandArgs, UsageError, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet compose SCENARIO [--image IMG] [-o FILE] [--loop] [--seed N] [--ports N]

Write a scenario's network as a compose project (docker-compose 1.29 and docker compose v2): one service per node
with its settings (NUMBERS, DATA_DIR on a volume, environment), and a driver service that plays the scenario's
steps live against the peers (injections, partitions, latency, kills and restarts, expectations, one log line per
step with its verdict) and serves the dashboard on http://localhost:8080, whose buttons drive the network. Every
link runs through a relay in the driver, so cuts are real. Run it from the repository root (the services are built from it):
  sumnet compose scenarios/03-star-partition-heal.yaml -o star.yml && docker compose -f star.yml up --build

Options:
  --image IMG     peer image for nodes that name none (default: the reference peer, built from ./Dockerfile)
  -o, --out FILE  write the project to FILE (default: stdout)
  --loop          the driver plays the steps again, on a fresh network, each time they end
  --seed N        seed for everything random in the scenario (default: the scenario's)
  --ports N       host port of the dashboard; the peers' control APIs get N+1, N+2, ... (default 8080)
  -h, --help      show this help

Exit codes: 0 written, 2 invalid scenario (or one compose cannot run: a join) or usage error.`;

export const composeCommand: CliCommand = {
  name: "compose",
  summary: "write a scenario's network as a docker compose project whose driver plays the steps live",
  usage,
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      { image: { type: "string" }, out: { type: "string", short: "o" }, loop: { type: "boolean" }, seed: { type: "string" }, ports: { type: "string" } },
      usage,
    );
    if (!args) return EXIT.ok;
    const [file, ...extra] = args.positionals;
    if (file === undefined || extra.length > 0) throw new UsageError("give exactly one scenario file", usage);
    const text = await readFile(file, "utf8").catch((error: Error) => {
      throw new UsageError(`cannot read ${file}: ${error.message}`, usage);
    });
    try {
      const plan = planScenario(parseScenarioText(text, file), { seed: integerOption("seed", args.values.seed, usage) });
      const loop = args.values.loop ?? false;
      const commandLine = ["sumnet compose", file, ...(args.values.image ? ["--image", args.values.image] : []), ...(loop ? ["--loop"] : []), ...(args.values.seed ? ["--seed", args.values.seed] : []), ...(args.values.ports ? ["--ports", args.values.ports] : [])].join(" ");
      const hostPortBase = integerOption("ports", args.values.ports, usage);
      if (hostPortBase !== undefined && (hostPortBase < 1 || hostPortBase + plan.network.nodes.length > 65535)) {
        throw new UsageError(`--ports expects a port from 1 to ${65535 - plan.network.nodes.length}, got ${hostPortBase}`, usage);
      }
      const options = { scenarioText: text, scenarioFile: file, image: args.values.image, loop, hostPortBase, commandLine };
      const yaml = composeYaml(plan, composeProject(plan, options), options);
      if (args.values.out) await writeFile(args.values.out, yaml);
      else process.stdout.write(yaml);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof ScenarioError) {
        for (const p of error.problems) process.stderr.write(`${formatProblem(p)}\n`);
        return EXIT.usage;
      }
      if (error instanceof PlanError || error instanceof ComposeError) {
        process.stderr.write(`sumnet compose: ${error.message}\n`);
        return EXIT.usage;
      }
      throw error;
    }
  },
};
