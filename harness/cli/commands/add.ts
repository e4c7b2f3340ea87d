import { addNumbers, ControlError } from "../../../contract/peer-client.js";
import { EXIT, INTEGER_TEXT, nodeUrlOption, parseCommandArgs, UsageError, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet add VALUE... --node URL

Add one or more integers to the network through a peer's control API (POST /numbers). Values may be negative and
huge (up to 1000 digits); several values are sent as one all-or-nothing batch.

Examples:
  sumnet add 42 --node http://127.0.0.1:8081
  sumnet add -123456789012345678901234567890 7 --node localhost:8083

Options:
  --node URL   the peer's control API (http://host:port)
  -h, --help   show this help

Exit codes: 0 added, 1 the peer refused or did not answer, 2 usage error or invalid value.`;

export const addCommand: CliCommand = {
  name: "add",
  summary: "add numbers at a peer (POST /numbers)",
  usage,
  async run(argv) {
    // Negative numbers look like options to parseArgs: take them out first.
    const negative = argv.filter((a) => /^-\d+$/.test(a));
    const args = parseCommandArgs(argv.filter((a) => !/^-\d+$/.test(a)), { node: { type: "string" } }, usage);
    if (!args) return EXIT.ok;
    const values = argv.filter((a) => negative.includes(a) || (args.positionals as string[]).includes(a));
    const url = nodeUrlOption(args.values.node, usage);
    if (values.length === 0) throw new UsageError("give at least one VALUE to add", usage);
    for (const v of values) {
      if (!INTEGER_TEXT.test(v)) throw new UsageError(`"${v}" is not an integer (optional sign, 1 to 1000 digits)`, usage);
    }
    try {
      const answer = (await addNumbers(url, values)) as { node?: string };
      const n = values.length;
      process.stdout.write(`added ${n === 1 ? values[0] : `${n} numbers`} at ${answer?.node ?? url}\n`);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      process.stderr.write(`sumnet add: ${url} ${error.message}\n`);
      return EXIT.failed;
    }
  },
};
