import { planFiles } from "../../runner/run-suite.js";
import { formatProblem, ScenarioError } from "../../scenario/load.js";
import { EXIT, parseCommandArgs, UsageError, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet validate FILES|DIRS...

Check scenario files (YAML or JSON) without running anything: the schema, and that every step refers to nodes and
links that exist and are running at that point. Problems name the file, line, field and what was expected.

Options:
  -h, --help   show this help

Exit codes: 0 all valid, 2 a file is invalid (or usage error).`;

export const validateCommand: CliCommand = {
  name: "validate",
  summary: "check scenario files without running them",
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, {}, usage);
    if (!args) return EXIT.ok;
    if (args.positionals.length === 0) throw new UsageError("give at least one scenario file or directory", usage);
    try {
      const planned = await planFiles(args.positionals);
      for (const { file, plan } of planned) {
        process.stdout.write(
          `ok  ${file}: ${plan.name} (${plan.network.nodes.length} nodes, ${plan.network.links.length} links, ${plan.steps.length} steps)\n`,
        );
      }
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      for (const p of error.problems) process.stderr.write(`${formatProblem(p)}\n`);
      process.stderr.write(`${error.problems.length} problem${error.problems.length === 1 ? "" : "s"} found\n`);
      return EXIT.usage;
    }
  },
};
