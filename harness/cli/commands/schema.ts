import { writeFile } from "node:fs/promises";
import { scenarioJsonSchema } from "../../scenario/schema.js";
import { EXIT, parseCommandArgs, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet schema [--course] [--out FILE]

Print the JSON Schema of scenario files (generated from the zod schema), for editors:
  sumnet schema > scenarios/scenario.schema.json
  sumnet schema --course > examples/course.schema.json      (course files of sumnet grade --course)
Then start a scenario file with:  # yaml-language-server: $schema=./scenario.schema.json

Options:
  --course     the schema of course files instead
  --out FILE   write to FILE instead of stdout
  -h, --help   show this help

Exit codes: 0 ok, 2 usage error.`;

export const schemaCommand: CliCommand = {
  name: "schema",
  summary: "print the JSON Schema of scenario files",
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, { out: { type: "string" }, course: { type: "boolean" } }, usage, false);
    if (!args) return EXIT.ok;
    const schema = args.values.course ? (await import("../../grade/course.js")).courseJsonSchema() : scenarioJsonSchema();
    const text = `${JSON.stringify(schema, null, 2)}\n`;
    if (args.values.out) await writeFile(args.values.out, text);
    else process.stdout.write(text);
    return EXIT.ok;
  },
};
