/**
 * `sumnet watch`: a live terminal table of a network, or with --web the dashboard. Also runnable on its own as
 * `node dist/harness/watch/main.js` (the Docker image's dashboard service does that).
 */
import { parseArgs } from "node:util";
import { startDashboard } from "./dashboard-server.js";
import { NetworkPoller } from "./network-poller.js";
import { agreementLine, renderTerminalTable } from "./terminal-table.js";
import { composeSource } from "./compose-source.js";
import { nodeListSource, parseNodeList, type WatchSource } from "./watch-source.js";

export const WATCH_HELP = `Usage: sumnet watch (--nodes URL,URL... | --compose [--project NAME]) [options]

Watch a running network: every node's total and count, its links, and whether all nodes agree.

Nodes:
  --nodes URLS        control API URLs of the nodes, comma-separated (http:// may be left out),
                      e.g. --nodes http://127.0.0.1:8081,http://127.0.0.1:8082
  --compose           watch the peers of a running docker compose project (their published port 8080)
  --project NAME      the compose project (default: the current directory's name)

Views:
  (default)           a live table in the terminal; redrawn in place on a terminal, one snapshot per
                      interval when the output is not a terminal (logs, pipes)
  --once              print one snapshot and exit (exit status says whether all nodes agree)
  --web               serve the live dashboard (topology, totals, agreement, frames/s per link); a click
                      on a node adds a number there (POST /numbers)
  --port N            dashboard port (default 8080; 0 picks a free one)
  --host ADDR         dashboard address to listen on (default 127.0.0.1; 0.0.0.0 in a container)
  --interval MS       time between polls (default 400 with --web, 1000 otherwise)
  --title TEXT        heading of the table and the page (default "sumnet network")

Colour follows NO_COLOR (https://no-color.org) and is off when the output is not a terminal.

Exit status:
  0  stopped with Ctrl-C / SIGTERM; with --once: every node answers and all agree
  1  with --once: some node does not answer or the nodes do not agree
  2  invalid usage (unknown option, bad URL, port in use)
`;

export interface WatchIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT / SIGTERM by the caller. */
  signal: AbortSignal;
}

class UsageError extends Error {}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function positiveInteger(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}

export async function runWatchCommand(argv: readonly string[], io: WatchIo): Promise<number> {
  let source: WatchSource;
  let options: { web: boolean; once: boolean; port: number; host: string; intervalMs: number };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        nodes: { type: "string" },
        compose: { type: "boolean", default: false },
        project: { type: "string" },
        web: { type: "boolean", default: false },
        once: { type: "boolean", default: false },
        port: { type: "string" },
        host: { type: "string" },
        interval: { type: "string" },
        title: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      io.stdout.write(WATCH_HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (nodes go in --nodes URL,URL...)`);
    if (values.nodes !== undefined && values.compose) throw new UsageError("give either --nodes or --compose, not both");
    if (values.web && values.once) throw new UsageError("--once prints one table; it does not go with --web");
    if (values.nodes !== undefined) source = nodeListSource(parseNodeList(values.nodes), values.title);
    else if (values.compose) source = composeSource(values.project, values.title);
    else throw new UsageError("which nodes? give --nodes URL,URL... or --compose");
    options = {
      web: values.web,
      once: values.once,
      port: positiveInteger("--port", values.port, 8080, 0),
      host: values.host ?? "127.0.0.1",
      intervalMs: positiveInteger("--interval", values.interval, values.web ? 400 : 1000, 50),
    };
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      io.stderr.write(`sumnet watch: ${error.message}\n(see sumnet watch --help)\n`);
      return 2;
    }
    if (error instanceof Error && error.message.startsWith("--")) {
      io.stderr.write(`sumnet watch: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const tty = io.stdout.isTTY === true;
  const color = tty && !(io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") && io.env.TERM !== "dumb";

  if (options.once) {
    const poller = new NetworkPoller(source, { intervalMs: options.intervalMs });
    const view = await poller.pollOnce();
    io.stdout.write(`${renderTerminalTable(view, { color })}\n`);
    return view.agreement.agree ? 0 : 1;
  }

  if (options.web) {
    let dashboard;
    try {
      dashboard = await startDashboard({ source, port: options.port, host: options.host, intervalMs: options.intervalMs });
    } catch (error) {
      if (error instanceof Error && "code" in error && (error.code === "EADDRINUSE" || error.code === "EACCES")) {
        io.stderr.write(`sumnet watch: cannot listen on ${options.host}:${options.port}: ${String(error.code)}\n`);
        return 2;
      }
      throw error;
    }
    io.stdout.write(`dashboard ${dashboard.url} watching ${dashboard.poller.latest?.nodes.length ?? 0} nodes\n`);
    // One log line per change of agreement, so `docker compose logs dashboard` tells the story.
    let last = "";
    const log = (line: string) => {
      if (line === last) return;
      last = line;
      io.stdout.write(`${new Date().toISOString()} ${line}\n`);
    };
    if (dashboard.poller.latest) log(agreementLine(dashboard.poller.latest));
    dashboard.poller.subscribe((view) => log(agreementLine(view)));
    await untilAborted(io.signal);
    await dashboard.close();
    return 0;
  }

  await using poller = new NetworkPoller(source, { intervalMs: options.intervalMs });
  if (tty) io.stdout.write("\x1b[?25l");
  poller.subscribe((view) => {
    const table = renderTerminalTable(view, { color });
    if (tty) io.stdout.write(`\x1b[H\x1b[J${table}\n`);
    else io.stdout.write(`--- ${view.at}\n${table}\n`);
  });
  await poller.start();
  await untilAborted(io.signal);
  if (tty) io.stdout.write("\x1b[?25h");
  return 0;
}
