/**
 * The append-only number log in DATA_DIR: the disk adapter of the replica.
 *
 * One record per line, `<crc32 hex> <json>\n`. The first record names the origin this data directory writes under, so
 * a restarted peer continues its own sequence and never reuses an identity. Writes are group-committed: records that
 * arrive while a write is in flight go out together in the next write, followed by one fdatasync. A torn last record
 * (a crash mid-write) is cut off on open; a damaged record elsewhere is skipped and reported.
 */
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { z } from "zod";
import { DecimalString, Origin, Seq } from "../wire/messages.js";
import type { NumberRecord } from "../core/replica.js";

const OriginRecord = z.object({ t: z.literal("origin"), origin: Origin });
const NumberLine = z.object({ t: z.literal("n"), o: Origin, s: Seq, v: DecimalString });
const LogRecord = z.discriminatedUnion("t", [OriginRecord, NumberLine]);

export interface Recovered {
  readonly origin: string | undefined;
  readonly numbers: NumberRecord[];
  /** Bytes of a torn final record that were cut off. */
  readonly tornBytes: number;
  /** Complete lines that failed their checksum or schema, by line number. */
  readonly damagedLines: number[];
}

function encode(record: z.infer<typeof LogRecord>): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

export class NumberLog {
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
  ) {}

  /** Opens (creating if needed) the log in `dir` and reads back everything it holds. */
  static async open(dir: string): Promise<{ log: NumberLog; recovered: Recovered }> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, "numbers.log");
    const file = await open(path, "a+");
    const content = await file.readFile();
    const numbers: NumberRecord[] = [];
    const damagedLines: number[] = [];
    let origin: string | undefined;
    let offset = 0;
    let line = 0;
    while (offset < content.length) {
      const end = content.indexOf(0x0a, offset);
      if (end === -1) break; // torn tail
      line++;
      const text = content.subarray(offset, end).toString("utf8");
      offset = end + 1;
      const parsed = decodeLine(text);
      if (!parsed) {
        damagedLines.push(line);
        continue;
      }
      if (parsed.t === "origin") origin ??= parsed.origin;
      else numbers.push({ origin: parsed.o, seq: parsed.s, value: BigInt(parsed.v) });
    }
    const tornBytes = content.length - offset;
    if (tornBytes > 0) await file.truncate(offset);
    return { log: new NumberLog(file, path), recovered: { origin, numbers, tornBytes, damagedLines } };
  }

  async writeOrigin(origin: string): Promise<void> {
    await this.enqueue([encode({ t: "origin", origin })]);
  }

  /** Resolves once the records are written and synced to disk. */
  append(records: readonly NumberRecord[]): Promise<void> {
    if (!records.length) return Promise.resolve();
    return this.enqueue(records.map((r) => encode({ t: "n", o: r.origin, s: r.seq, v: r.value.toString() })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing) await this.writing;
    this.closed = true;
    await this.file.close();
  }

  private enqueue(lines: string[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error("number log is closed"));
    return new Promise((resolve, reject) => {
      this.pending.push(...lines);
      this.waiters.push({ resolve, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.file.write(lines.join(""));
        await this.file.datasync();
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.writing = undefined;
  }
}

function decodeLine(text: string): z.infer<typeof LogRecord> | undefined {
  const space = text.indexOf(" ");
  if (space !== 8) return undefined;
  const json = text.slice(9);
  if (crc32(json).toString(16).padStart(8, "0") !== text.slice(0, 8)) return undefined;
  try {
    const parsed = LogRecord.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
