import { writeFile } from "node:fs/promises";
import { scenarioJsonSchema } from "../../scenario/schema.js";
import { EXIT, parseCommandArgs, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet schema [--out FILE]

Print the JSON Schema of scenario files (generated from the zod schema), for editors:
  sumnet schema > scenarios/scenario.schema.json
Then start a scenario file with:  # yaml-language-server: $schema=./scenario.schema.json

Options:
  --out FILE   write to FILE instead of stdout
  -h, --help   show this help

Exit codes: 0 ok, 2 usage error.`;

export const schemaCommand: CliCommand = {
  name: "schema",
  summary: "print the JSON Schema of scenario files",
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, { out: { type: "string" } }, usage, false);
    if (!args) return EXIT.ok;
    const text = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
    if (args.values.out) await writeFile(args.values.out, text);
    else process.stdout.write(text);
    return EXIT.ok;
  },
};
