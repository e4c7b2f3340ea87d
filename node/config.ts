/**
 * The peer's configuration: environment variables only, parsed once here. An invalid value is reported with the
 * variable, the value and what is expected.
 */
import { hostname } from "node:os";
import { z } from "zod";
import { MAX_VALUE_DIGITS } from "./wire/messages.js";

const Port = (fallback: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .transform((s, ctx) => {
      if (!/^[0-9]{1,5}$/.test(s) || Number(s) > 65535) {
        ctx.addIssue({ code: "custom", message: "a port number from 0 to 65535" });
        return z.NEVER;
      }
      return Number(s);
    });

const Millis = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .transform((s, ctx) => {
      const n = Number(s);
      if (!/^[0-9]+$/.test(s) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `a whole number of milliseconds from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

const PeerList = z
  .string()
  .default("")
  .transform((s, ctx) => {
    const out: PeerAddress[] = [];
    for (const raw of s.split(",")) {
      const item = raw.trim();
      if (!item) continue;
      const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/.exec(item);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        ctx.addIssue({ code: "custom", message: `'${item}' is not host:port (port 1 to 65535)` });
        return z.NEVER;
      }
      out.push({ host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) });
    }
    return out;
  });

const NumberList = z
  .string()
  .default("")
  .transform((s, ctx) => {
    const out: bigint[] = [];
    const items = s.trim() === "" ? [] : s.split(",");
    for (const [i, raw] of items.entries()) {
      const item = raw.trim();
      if (!new RegExp(`^[-+]?[0-9]{1,${MAX_VALUE_DIGITS}}$`).test(item)) {
        ctx.addIssue({ code: "custom", message: `item ${i + 1} '${item}' is not an integer of 1 to ${MAX_VALUE_DIGITS} digits` });
        return z.NEVER;
      }
      out.push(BigInt(item));
    }
    return out;
  });

export const PeerEnv = z.object({
  NODE_ID: z
    .string()
    .trim()
    .default(() => hostname())
    .pipe(z.string().regex(NODE_ID_PATTERN, "a name of 1 to 128 letters, digits, '.', '_' or '-'")),
  P2P_HOST: z.string().trim().min(1, "a host name or address to listen on").default("0.0.0.0"),
  P2P_PORT: Port(7000),
  PEERS: PeerList,
  HTTP_PORT: Port(8080),
  DATA_DIR: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s ? s : undefined)),
  NUMBERS: NumberList,
  LOG_FORMAT: z.enum(["text", "json"], { message: "'text' or 'json'" }).default("text"),
  /** "debug" adds a line for every batch of numbers the peer learns (with their identities and where they came from). */
  LOG_LEVEL: z.enum(["info", "debug"], { message: "'info' or 'debug'" }).default("info"),
  BATCH_MS: Millis(5, 0, 20),
  SYNC_INTERVAL_MS: Millis(1000, 50, 600_000),
  /**
   * How the reference peer spreads numbers: "tree", the default (eager pushes along a spanning tree, announcements on
   * the other links, summaries for anti-entropy; links to peers that do not offer it fall back to flooding), or
   * "flood" (the sumnet/1 behaviour: every number on every link, full digests every SYNC_INTERVAL_MS).
   */
  DISSEMINATION: z.enum(["tree", "flood"], { message: "'tree' or 'flood'" }).default("tree"),
});

export type PeerConfig = {
  readonly nodeId: string;
  readonly p2pHost: string;
  readonly p2pPort: number;
  readonly peers: readonly PeerAddress[];
  readonly httpPort: number;
  readonly dataDir: string | undefined;
  readonly numbers: readonly bigint[];
  readonly logFormat: "text" | "json";
  readonly logLevel: "info" | "debug";
  readonly batchMs: number;
  readonly syncIntervalMs: number;
  readonly dissemination: "tree" | "flood";
};

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line per invalid variable. */
export function parseConfig(env: Record<string, string | undefined>): PeerConfig {
  // An empty variable means "not set", as in `docker run -e NODE_ID=`.
  const present: Record<string, string> = {};
  for (const key of Object.keys(PeerEnv.shape)) {
    const v = env[key];
    if (v !== undefined && v !== "") present[key] = v;
  }
  const parsed = PeerEnv.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "environment");
      const value = present[key];
      return `invalid ${key}=${value === undefined ? "(unset)" : JSON.stringify(value)}: expected ${issue.message}`;
    });
    throw new ConfigError(lines.join("\n"));
  }
  const e = parsed.data;
  return {
    nodeId: e.NODE_ID,
    p2pHost: e.P2P_HOST,
    p2pPort: e.P2P_PORT,
    peers: e.PEERS,
    httpPort: e.HTTP_PORT,
    dataDir: e.DATA_DIR,
    numbers: e.NUMBERS,
    logFormat: e.LOG_FORMAT,
    logLevel: e.LOG_LEVEL,
    batchMs: e.BATCH_MS,
    syncIntervalMs: e.SYNC_INTERVAL_MS,
    dissemination: e.DISSEMINATION,
  };
}
