/** Shared CLI plumbing: exit codes, usage errors, argument parsing with node:util parseArgs. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit codes of every sumnet command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Wrong arguments or invalid input: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Usage text to print after the message. */
    readonly usage?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export interface CliCommand {
  readonly name: string;
  /** One line for `sumnet --help`. */
  readonly summary: string;
  /** Full help text (`sumnet <name> --help`). */
  readonly usage: string;
  /** Runs the command; resolves with the exit code. Throw UsageError for bad input (exit 2). */
  run(argv: readonly string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

type CommandArgsConfig<O extends Options> = {
  args: string[];
  options: O & { help: { type: "boolean"; short: string } };
  allowPositionals: boolean;
  strict: true;
};

/** What parseArgs gives for a command's options (named, so that type declarations can be emitted). */
export type CommandArgs<O extends Options> = ReturnType<typeof parseArgs<CommandArgsConfig<O>>>;

/**
 * Parse `argv` strictly. Adds `--help`/`-h`; returns undefined after printing the usage when it was given.
 * Unknown options and missing values become a UsageError naming the problem.
 */
export function parseCommandArgs<O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
  allowPositionals = true,
): CommandArgs<O> | undefined {
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals,
      strict: true,
    });
    if ((parsed.values as Record<string, unknown>).help) {
      process.stdout.write(`${usage.trimEnd()}\n`);
      return undefined;
    }
    return parsed;
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""), usage);
  }
}

/** An integer option (e.g. --seed). */
export function integerOption(name: string, value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} expects an integer, got "${value}"`, usage);
  }
  return Number(value);
}

/** A control API URL (--node): http(s)://host:port, no path needed. */
export function nodeUrlOption(value: string | undefined, usage: string): string {
  if (value === undefined) throw new UsageError("--node URL is required (e.g. --node http://127.0.0.1:8081)", usage);
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new UsageError(`--node expects a URL like http://127.0.0.1:8081, got "${value}"`, usage);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--node expects an http:// or https:// URL, got "${value}"`, usage);
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** Integers as the peer contract accepts them: optional sign, 1 to 1000 digits. */
export const INTEGER_TEXT = /^[+-]?\d{1,1000}$/;
