/**
 * `sumnet peer`: one peer, configured only by environment variables.
 * Exit codes: 0 after SIGTERM or SIGINT, 1 when it cannot start (a port in use, an unreadable DATA_DIR),
 * 2 when the configuration is invalid.
 */
import { pathToFileURL } from "node:url";
import { ConfigError, parseConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { startPeer } from "./peer.js";

const STOP_DEADLINE_MS = 1800;

export async function runPeer(env: Record<string, string | undefined> = process.env): Promise<void> {
  let config;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`sumnet peer: ${err.message.replaceAll("\n", "\nsumnet peer: ")}\n`);
    process.exit(2);
  }
  const log = createLogger({ node: config.nodeId, format: config.logFormat, level: config.logLevel });
  let peer;
  try {
    peer = await startPeer(config, log);
  } catch (err) {
    log.error("start failed", { error: (err as Error).message });
    process.exit(1);
  }
  const running = peer;
  const shutdown = (signal: string) => {
    log.info("stopping", { signal });
    setTimeout(() => {
      log.warn("stop deadline passed; exiting");
      process.exit(0);
    }, STOP_DEADLINE_MS).unref();
    running.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: Error) => {
        log.error("stop failed", { error: err.message });
        process.exit(0);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runPeer();
}
