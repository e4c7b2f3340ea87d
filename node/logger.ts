/** One line per event on stdout, as text (`time level event key=value ...`) or as JSON. */
export type LogFields = Record<string, string | number | boolean | bigint | null | undefined>;
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  /** Written only by a logger made with `level: "debug"` (a line per event that happens many times a second). */
  debug(event: string, fields?: LogFields): void;
  /** Whether `debug` lines are written: a caller skips building their fields when not. */
  readonly debugEnabled: boolean;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export function createLogger(opts: {
  node: string;
  format: "text" | "json";
  write?: (line: string) => void;
  /** The time of each line, ms since the epoch (default the wall clock; the simulator gives its virtual time). */
  now?: () => number;
  /** The least level written: "info" (the default) or "debug". */
  level?: "info" | "debug";
}): Logger {
  const write = opts.write ?? ((line: string) => void process.stdout.write(line + "\n"));
  const now = opts.now ?? Date.now;
  const emit = (level: Level, event: string, fields: LogFields = {}) => {
    const time = new Date(now()).toISOString();
    if (opts.format === "json") {
      const obj: Record<string, unknown> = { time, level, node: opts.node, event };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) obj[k] = typeof v === "bigint" ? v.toString() : v;
      write(JSON.stringify(obj));
      return;
    }
    let line = `${time} ${level.padEnd(5)} ${opts.node} ${event}`;
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      const s = String(v);
      line += ` ${k}=${/^[^\s"=]*$/.test(s) && s !== "" ? s : JSON.stringify(s)}`;
    }
    write(line);
  };
  const debugEnabled = opts.level === "debug";
  return {
    debug: debugEnabled ? (e, f) => emit("debug", e, f) : () => undefined,
    debugEnabled,
    info: (e, f) => emit("info", e, f),
    warn: (e, f) => emit("warn", e, f),
    error: (e, f) => emit("error", e, f),
  };
}
