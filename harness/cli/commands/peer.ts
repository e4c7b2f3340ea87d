import { EXIT, parseCommandArgs, type CliCommand } from "../usage.js";

const usage = `Usage: sumnet peer

Run the reference peer, configured only by environment variables (see PEER-CONTRACT.md):
  NODE_ID, P2P_HOST, P2P_PORT, PEERS, HTTP_PORT, DATA_DIR, NUMBERS, LOG_FORMAT, BATCH_MS, SYNC_INTERVAL_MS,
  DISSEMINATION (tree, the default, or flood), LOG_LEVEL (info, the default, or debug: a line per batch learned)
Example:
  NODE_ID=n1 P2P_PORT=7001 HTTP_PORT=8081 NUMBERS=5 sumnet peer

Options:
  -h, --help   show this help

Exit codes: 0 after SIGTERM/SIGINT, 1 cannot start (port in use, unreadable DATA_DIR), 2 invalid configuration.`;

export const peerCommand: CliCommand = {
  name: "peer",
  summary: "run the reference peer (configured by environment variables)",
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, {}, usage, false);
    if (!args) return EXIT.ok;
    // Loaded lazily: the other commands do not need the peer's code.
    const { runPeer } = (await import("../../../node/main.js")) as { runPeer: (env: NodeJS.ProcessEnv) => Promise<void> };
    await runPeer(process.env);
    // The peer keeps the process alive until a signal; it exits by itself.
    return new Promise<number>(() => {});
  },
};
