/**
 * `sumnet console --node URL`: the original classroom program's menu (1 add a number, 2 show the network's total,
 * 3 quit) against any peer's control API. Works interactively and with piped stdin (one answer per line).
 */
import readline from "node:readline";
import { addNumbers, ControlError, getTotal } from "../../../contract/peer-client.js";
import { EXIT, INTEGER_TEXT, nodeUrlOption, parseCommandArgs, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet console --node URL

An interactive menu on a peer, like the original classroom program:
  1  add a number
  2  show the network's total
  3  quit
Input is validated (menu choices 1-3; integers of up to 1000 digits, may be negative). Works with piped stdin:
  printf '1\\n42\\n2\\n3\\n' | sumnet console --node http://127.0.0.1:8081

Options:
  --node URL   the peer's control API (http://host:port)
  -h, --help   show this help

Exit codes: 0 on quit or end of input, 2 usage error.`;

export async function runConsole(
  url: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const rl = readline.createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const say = (s: string): void => void output.write(`${s}\n`);
  const ask = async (prompt: string): Promise<string | undefined> => {
    output.write(prompt);
    const next = await lines.next();
    if (next.done) {
      output.write("\n");
      return undefined;
    }
    return next.value.trim();
  };
  say(`sumnet console on ${url}`);
  try {
    for (;;) {
      say("");
      say("1) add a number");
      say("2) show the network's total");
      say("3) quit");
      const choice = await ask("choose 1, 2 or 3: ");
      if (choice === undefined || choice === "3") {
        say("bye");
        return EXIT.ok;
      }
      if (choice === "1") {
        const value = await ask("number to add: ");
        if (value === undefined) {
          say("bye");
          return EXIT.ok;
        }
        if (!INTEGER_TEXT.test(value)) {
          say(`"${value}" is not an integer (digits with an optional sign, up to 1000 digits); nothing added`);
          continue;
        }
        try {
          await addNumbers(url, [value]);
          say(`added ${BigInt(value).toString()}`);
        } catch (error) {
          if (!(error instanceof ControlError)) throw error;
          say(`the peer ${error.message}`);
        }
      } else if (choice === "2") {
        try {
          const t = await getTotal(url);
          say(`the network's total is ${t.total}${t.count !== undefined ? ` (${t.count} number${t.count === 1 ? "" : "s"})` : ""}`);
        } catch (error) {
          if (!(error instanceof ControlError)) throw error;
          say(`the peer ${error.message}`);
        }
      } else {
        say(`"${choice}" is not a choice: type 1, 2 or 3`);
      }
    }
  } finally {
    rl.close();
  }
}

export const consoleCommand: CliCommand = {
  name: "console",
  summary: "interactive menu on a peer: add a number, show the total, quit",
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, { node: { type: "string" } }, usage, false);
    if (!args) return EXIT.ok;
    return runConsole(nodeUrlOption(args.values.node, usage));
  },
};
