/**
 * One running peer: the shell of I/O around the sans-I/O peer core (node/core/peer-core.ts): TCP links, the control
 * API, the number log, and the one timer the core asks for. The simulator runs the same core in its own shell
 * (harness/runtime/sim/sim-node.ts).
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { PeerConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import type { NumberRecord, Replica } from "./core/replica.js";
import { PeerCore, type Effect } from "./core/peer-core.js";
import { NumberLog } from "./adapters/number-log.js";
import { PeerMetrics } from "./adapters/metrics.js";
import { TcpLinks } from "./adapters/tcp-links.js";
import { LegacyLinkAdapter } from "./adapters/legacy-links.js";
import { HttpError, createControlServer } from "./adapters/http-api.js";

/** The identity writer for a fresh process: time-ordered and random, so it is never reused by a later start. */
export function newIncarnation(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

export interface RunningPeer {
  readonly nodeId: string;
  readonly p2pPort: number;
  readonly httpPort: number;
  readonly replica: Replica;
  stop(): Promise<void>;
}

export async function startPeer(config: PeerConfig, logger?: Logger): Promise<RunningPeer> {
  const log = logger ?? createLogger({ node: config.nodeId, format: config.logFormat, level: config.logLevel });
  const metrics = new PeerMetrics();

  let numberLog: NumberLog | undefined;
  let recoveredOrigin: string | undefined;
  let recovered: NumberRecord[] = [];
  if (config.dataDir) {
    const opened = await NumberLog.open(config.dataDir);
    numberLog = opened.log;
    const r = opened.recovered;
    recoveredOrigin = r.origin;
    recovered = r.numbers;
    if (r.tornBytes || r.damagedLines.length) {
      log.warn("number log repaired", {
        path: numberLog.path,
        torn_bytes: r.tornBytes,
        damaged_lines: r.damagedLines.join(",") || undefined,
      });
    }
  }

  const core = new PeerCore(config, {
    incarnation: newIncarnation(),
    durable: numberLog !== undefined,
    recovered: { origin: recoveredOrigin, numbers: recovered },
    now: performance.now(),
    random: Math.random,
  });
  const replica = core.replica;
  // The writer's identity is on disk before anything is written under it.
  if (numberLog && !recoveredOrigin) await numberLog.writeOrigin(core.origin);

  // One timer, set for whenever the core next needs a tick (batched pushes, anti-entropy, announcements, grafts, the
  // log of the total).
  let tickTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let tickAt = Infinity;
  let stopping = false;

  const clearTick = () => {
    if (!tickTimer) return;
    clearTimeout(tickTimer as NodeJS.Timeout);
    clearImmediate(tickTimer as NodeJS.Immediate);
    tickTimer = undefined;
    tickAt = Infinity;
  };
  const tick = () => {
    tickTimer = undefined;
    tickAt = Infinity;
    apply(core.tick(performance.now()));
  };
  // What is due now runs at the end of this turn of the event loop, so that everything that arrived in the turn
  // leaves together (a lone number still crosses a hop without delay); later work gets a timer.
  const scheduleTick = () => {
    if (stopping) return;
    const at = core.nextWakeAt();
    if (tickTimer && tickAt <= at) return;
    clearTick();
    if (at === Infinity) return;
    tickAt = at;
    const wait = at - performance.now();
    tickTimer = wait > 0 ? setTimeout(tick, Math.ceil(wait)) : setImmediate(tick);
  };

  const apply = (effects: readonly Effect[]) => {
    for (const e of effects) {
      switch (e.kind) {
        case "send":
          links.send(e.link, e.message);
          break;
        case "persist":
          numberLog?.append(e.numbers).catch((err: Error) => log.error("number log write failed", { error: err.message }));
          break;
        case "learned":
          legacy.learned(e.numbers);
          break;
        case "close":
          metrics.reject("protocol");
          links.close(e.link, e.reason);
          break;
        case "log":
          if (e.conflict) metrics.conflicts++;
          log[e.level](e.event, e.fields);
          break;
      }
    }
    scheduleTick();
  };

  const links: TcpLinks = new TcpLinks({
    nodeId: config.nodeId,
    host: config.p2pHost,
    port: config.p2pPort,
    peers: config.peers,
    log,
    metrics,
    redials: core.redials,
    events: {
      up: (link, peer, direction) => {
        legacy.up(link, peer, direction);
        apply(core.linkUp(link, peer, direction === "out" ? "dialer" : "acceptor", performance.now()));
      },
      message: (link, message) => {
        legacy.message(link);
        apply(core.receive(link, message, performance.now()));
      },
      legacy: (link, text) => legacy.frame(link, text),
      down: (link) => {
        legacy.down(link);
        apply(core.linkDown(link, performance.now()));
      },
    },
  });
  const legacy = new LegacyLinkAdapter({
    nodeId: config.nodeId,
    newIncarnation,
    replica,
    links,
    numberLog,
    log,
    metrics,
    addLocal: (numbers) => apply(core.addLocal(numbers, performance.now())),
  });

  const p2pPort = await links.listen();
  let listening = false;

  const server: http.Server = createControlServer({
    nodeId: config.nodeId,
    async addNumbers(values) {
      if (stopping) throw new HttpError(503, "peer is stopping");
      const records = core.allocate(values);
      // Durable before acknowledged, and before anything is sent: a crash can lose only unacknowledged numbers,
      // whose identities were never seen outside this process.
      if (numberLog) await numberLog.append(records);
      const { effects, added } = core.commit(records, performance.now());
      apply(effects);
      metrics.numbersInjected += records.length;
      return added;
    },
    total: () => ({ node: config.nodeId, total: replica.total.toString(), count: replica.count }),
    state: () => ({ ...core.state(links.views()), legacy: legacy.views() }),
    metrics: () =>
      metrics.render({
        node: config.nodeId,
        linksUp: links.upCount,
        legacyLinksUp: legacy.upCount,
        numbersKnown: replica.count,
        total: replica.total,
      }),
    health: () => ({ ok: listening && !stopping, node: config.nodeId }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.httpPort, config.p2pHost, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const httpPort = (server.address() as AddressInfo).port;
  listening = true;

  log.info("started", {
    p2p: `${config.p2pHost}:${p2pPort}`,
    http: `${config.p2pHost}:${httpPort}`,
    peers: config.peers.map((p) => `${p.host}:${p.port}`).join(",") || "(none)",
    origin: core.origin,
    data_dir: config.dataDir ?? "(none)",
    recovered: recovered.length,
    numbers: config.numbers.length,
    dissemination: config.dissemination,
    batch_ms: config.batchMs,
    sync_ms: config.syncIntervalMs,
    log_format: config.logFormat,
  });
  apply([core.totalLine(performance.now())]);

  links.startDialing();
  scheduleTick();

  return {
    nodeId: config.nodeId,
    p2pPort,
    httpPort,
    replica,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTick();
      legacy.stop();
      // Whatever waits in a batch leaves now, and a change of the total not yet logged is (apply schedules nothing
      // more while stopping).
      apply(core.stop(performance.now()));
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await links.stop();
      server.closeAllConnections();
      await httpClosed;
      await numberLog?.close();
    },
  };
}
