import { ControlError, getTotal } from "../../../contract/peer-client.js";
import { EXIT, nodeUrlOption, parseCommandArgs, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet total --node URL [--json]

Show the network's total as a peer knows it (GET /total).

Options:
  --node URL   the peer's control API (http://host:port)
  --json       print {"node","total","count"} as JSON
  -h, --help   show this help

Exit codes: 0 ok, 1 the peer did not answer properly, 2 usage error.`;

export const totalCommand: CliCommand = {
  name: "total",
  summary: "show the total a peer reports (GET /total)",
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, { node: { type: "string" }, json: { type: "boolean" } }, usage, false);
    if (!args) return EXIT.ok;
    const url = nodeUrlOption(args.values.node, usage);
    try {
      const t = await getTotal(url);
      if (args.values.json) {
        process.stdout.write(`${JSON.stringify({ node: t.node, total: t.total.toString(), count: t.count })}\n`);
      } else {
        process.stdout.write(`${t.total}${t.count !== undefined ? ` (${t.count} number${t.count === 1 ? "" : "s"}` : ""}${t.count !== undefined ? `${t.node ? ` known at ${t.node}` : ""})` : ""}\n`);
      }
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      process.stderr.write(`sumnet total: ${url} ${error.message}\n`);
      return EXIT.failed;
    }
  },
};
