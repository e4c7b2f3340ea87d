import { readFile } from "node:fs/promises";
import { ownComposeProject } from "../../compose/compose-host.js";
import { SCENARIO_VARIABLE } from "../../compose/compose-file.js";
import { drive } from "../../compose/drive.js";
import { formatProblem, parseScenarioText, ScenarioError } from "../../scenario/load.js";
import { planScenario } from "../../scenario/plan.js";
import { EXIT, integerOption, parseCommandArgs, UsageError, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet drive [SCENARIO] --compose [--seed N] [--loop] [--project NAME] [--image IMG] [--dashboard-port N]

Play a scenario's steps against the peers of a running compose project made by \`sumnet compose\`: this is the
command of the project's driver service. Its relays carry every link (the peers' PEERS name driver:<port>); kills,
stops, restarts and pauses go through the Docker socket; each step's verdict is one line on stdout.

SCENARIO is a file; without it the scenario's text is read from $${SCENARIO_VARIABLE}.

Options:
  --compose        the peers are a compose project's services (the only place drive runs today)
  --seed N         the seed the compose file was written with (sumnet compose puts it in the command)
  --loop           play the steps again, on a fresh network, each time they end (until stopped)
  --project NAME   the compose project (default: read from this container's labels)
  --image IMG      the image peers run when it is not the reference peer (as given to sumnet compose)
  --dashboard-port N
                   serve the dashboard of the network it plays on this port, all interfaces (default 8080;
                   the compose file publishes it): steps, verdicts, and buttons that drive the network
  --no-dashboard   serve no dashboard
  -h, --help       show this help

Without --loop the links stay up after the steps until the project stops.
Exit codes: 0 every step passed, 1 a step failed, 2 invalid scenario or usage.`;

export const driveCommand: CliCommand = {
  name: "drive",
  summary: "play a scenario's steps live against a compose project's peers (the driver service)",
  usage,
  async run(argv) {
    const args = parseCommandArgs(
      argv,
      {
        compose: { type: "boolean" },
        seed: { type: "string" },
        loop: { type: "boolean" },
        project: { type: "string" },
        image: { type: "string" },
        "dashboard-port": { type: "string" },
        "no-dashboard": { type: "boolean" },
      },
      usage,
    );
    if (!args) return EXIT.ok;
    if (!args.values.compose) throw new UsageError("--compose is required: drive plays scenarios against compose projects", usage);
    const [file, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError("give at most one scenario file", usage);
    const text = file === undefined ? process.env[SCENARIO_VARIABLE] : await readFile(file, "utf8");
    if (!text) throw new UsageError(`give a scenario file or set ${SCENARIO_VARIABLE} to the scenario's text`, usage);
    let plan;
    try {
      plan = planScenario(parseScenarioText(text, file ?? `$${SCENARIO_VARIABLE}`), { seed: integerOption("seed", args.values.seed, usage) });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const p of error.problems) process.stderr.write(`${formatProblem(p)}\n`);
      return EXIT.usage;
    }
    if (args.values["no-dashboard"] && args.values["dashboard-port"] !== undefined) throw new UsageError("--no-dashboard and --dashboard-port do not go together", usage);
    const port = integerOption("dashboard-port", args.values["dashboard-port"], usage) ?? 8080;
    if (port < 1 || port > 65535) throw new UsageError(`--dashboard-port expects 1 to 65535, got "${args.values["dashboard-port"]}"`, usage);
    const dashboardPort = args.values["no-dashboard"] ? undefined : port;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    // As PID 1 of its container, node would ignore SIGTERM without a handler.
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      const project = args.values.project ?? (await ownComposeProject());
      const passed = await drive({ plan, project, loop: args.values.loop ?? false, signal: controller.signal, image: args.values.image, dashboardPort });
      return passed ? EXIT.ok : EXIT.failed;
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  },
};
