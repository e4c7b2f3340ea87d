/**
 * One running peer: the replica core wired to its adapters (TCP links, the control API, the number log) and to
 * time (the batching timer and the anti-entropy interval).
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { PeerConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { Replica, type NumberRecord, type Output } from "./core/replica.js";
import { NumberLog } from "./adapters/number-log.js";
import { PeerMetrics } from "./adapters/metrics.js";
import { TcpLinks } from "./adapters/tcp-links.js";
import { LegacyLinkAdapter } from "./adapters/legacy-links.js";
import { HttpError, createControlServer } from "./adapters/http-api.js";

/** The identity writer for a fresh process: time-ordered and random, so it is never reused by a later start. */
export function newIncarnation(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

const TOTAL_LOG_INTERVAL_MS = 100;

export interface RunningPeer {
  readonly nodeId: string;
  readonly p2pPort: number;
  readonly httpPort: number;
  readonly replica: Replica;
  stop(): Promise<void>;
}

export async function startPeer(config: PeerConfig, logger?: Logger): Promise<RunningPeer> {
  const log = logger ?? createLogger({ node: config.nodeId, format: config.logFormat });
  const metrics = new PeerMetrics();

  let numberLog: NumberLog | undefined;
  let origin = `${config.nodeId}@${newIncarnation()}`;
  let recovered: NumberRecord[] = [];
  if (config.dataDir) {
    const opened = await NumberLog.open(config.dataDir);
    numberLog = opened.log;
    const r = opened.recovered;
    if (r.origin) origin = r.origin;
    else await numberLog.writeOrigin(origin);
    recovered = r.numbers;
    if (r.tornBytes || r.damagedLines.length) {
      log.warn("number log repaired", {
        path: numberLog.path,
        torn_bytes: r.tornBytes,
        damaged_lines: r.damagedLines.join(",") || undefined,
      });
    }
  }

  const replica = new Replica({
    nodeId: config.nodeId,
    origin,
    dissemination: config.dissemination,
    timing: { batchMs: config.batchMs, syncIntervalMs: config.syncIntervalMs },
    now: performance.now(),
  });
  replica.addLocal(recovered);
  // Numbers given at start have identities fixed by node and position: restarts add nothing twice.
  replica.addLocal(config.numbers.map((value, i) => ({ origin: `${config.nodeId}@init`, seq: i + 1, value })));

  // One timer, set for whenever the replica next needs a tick (batched pushes, anti-entropy, announcements, grafts).
  let tickTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let tickAt = Infinity;
  let totalTimer: NodeJS.Timeout | undefined;
  let lastTotalLogged = 0;
  let stopping = false;

  const logTotal = () => {
    totalTimer = undefined;
    lastTotalLogged = performance.now();
    log.info("total", { total: replica.total, count: replica.count });
  };
  const totalChanged = () => {
    if (totalTimer) return;
    const wait = Math.max(0, lastTotalLogged + TOTAL_LOG_INTERVAL_MS - performance.now());
    totalTimer = setTimeout(logTotal, wait);
  };

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
    apply(replica.tick(performance.now()));
  };
  // What is due now runs at the end of this turn of the event loop, so that everything that arrived in the turn
  // leaves together (a lone number still crosses a hop without delay); later work gets a timer.
  const scheduleTick = () => {
    if (stopping) return;
    const at = replica.nextTickAt();
    if (tickTimer && tickAt <= at) return;
    clearTick();
    tickAt = at;
    const wait = at - performance.now();
    tickTimer = wait > 0 ? setTimeout(tick, Math.ceil(wait)) : setImmediate(tick);
  };

  const apply = (outputs: readonly Output[]) => {
    for (const o of outputs) {
      switch (o.kind) {
        case "send":
          links.send(o.link, o.message);
          break;
        case "learned":
          if (o.from !== "local" && numberLog) {
            numberLog.append(o.numbers).catch((err: Error) => log.error("number log write failed", { error: err.message }));
          }
          totalChanged();
          legacy.learned(o.numbers);
          break;
        case "close":
          metrics.reject("protocol");
          links.close(o.link, o.reason);
          break;
        case "conflict":
          metrics.conflicts++;
          log.warn("conflicting number ignored", { peer: replica.linkPeer(o.link), origin: o.origin, seq: o.seq });
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
    events: {
      up: (link, peer, direction) => {
        legacy.up(link, peer, direction);
        apply(replica.linkUp(link, peer, direction === "out" ? "dialer" : "acceptor", performance.now()));
      },
      message: (link, message) => {
        legacy.message(link);
        apply(replica.receive(link, message, performance.now()));
      },
      legacy: (link, text) => legacy.frame(link, text),
      down: (link) => {
        legacy.down(link);
        apply(replica.linkDown(link, performance.now()));
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
    addLocal: (numbers) => apply(replica.addLocal(numbers)),
  });

  const p2pPort = await links.listen();
  let listening = false;

  const server: http.Server = createControlServer({
    nodeId: config.nodeId,
    async addNumbers(values) {
      if (stopping) throw new HttpError(503, "peer is stopping");
      const records = replica.allocate(values);
      // Durable before acknowledged, and before anything is sent: a crash can lose only unacknowledged numbers,
      // whose identities were never seen outside this process.
      if (numberLog) await numberLog.append(records);
      apply(replica.addLocal(records, performance.now()));
      metrics.numbersInjected += records.length;
      return records.map((r) => ({ id: `${r.origin}:${r.seq}`, origin: r.origin, seq: r.seq, value: r.value.toString() }));
    },
    total: () => ({ node: config.nodeId, total: replica.total.toString(), count: replica.count }),
    state: () => ({
      node: config.nodeId,
      origin: replica.origin,
      total: replica.total.toString(),
      count: replica.count,
      digest: replica.digest(),
      links: links.views(),
      legacy: legacy.views(),
    }),
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
    origin,
    data_dir: config.dataDir ?? "(none)",
    recovered: recovered.length,
    numbers: config.numbers.length,
    dissemination: config.dissemination,
    batch_ms: config.batchMs,
    sync_ms: config.syncIntervalMs,
    log_format: config.logFormat,
  });
  logTotal();

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
      // Whatever waits in a batch leaves now (apply schedules nothing more while stopping).
      apply(replica.flush(performance.now()));
      if (totalTimer) {
        clearTimeout(totalTimer);
        logTotal();
      }
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await links.stop();
      server.closeAllConnections();
      await httpClosed;
      await numberLog?.close();
    },
  };
}
