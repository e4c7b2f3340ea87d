import { afterEach, describe, expect, it } from "vitest";
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NumberLog } from "./number-log.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "sumnet-log-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("NumberLog", () => {
  it("recovers its origin and every number written", async () => {
    const dir = await tempDir();
    const { log } = await NumberLog.open(dir);
    await log.writeOrigin("n1@abc");
    await Promise.all([
      log.append([{ origin: "n1@abc", seq: 1, value: 5n }]),
      log.append([{ origin: "n1@abc", seq: 2, value: -(10n ** 40n) }]),
    ]);
    await log.close();
    const { log: again, recovered } = await NumberLog.open(dir);
    await again.close();
    expect(recovered.origin).toBe("n1@abc");
    expect(recovered.numbers).toEqual([
      { origin: "n1@abc", seq: 1, value: 5n },
      { origin: "n1@abc", seq: 2, value: -(10n ** 40n) },
    ]);
    expect(recovered.tornBytes).toBe(0);
  });

  it("cuts off a torn last record and appends cleanly after it", async () => {
    const dir = await tempDir();
    const { log } = await NumberLog.open(dir);
    await log.writeOrigin("n1@abc");
    await log.append([{ origin: "n1@abc", seq: 1, value: 5n }]);
    await log.close();
    const path = join(dir, "numbers.log");
    const good = (await stat(path)).size;
    await appendFile(path, '1234abcd {"t":"n","o":"n1@abc","s":2,"v":"9');
    const opened = await NumberLog.open(dir);
    expect(opened.recovered.numbers).toHaveLength(1);
    expect(opened.recovered.tornBytes).toBeGreaterThan(0);
    expect((await stat(path)).size).toBe(good);
    await opened.log.append([{ origin: "n1@abc", seq: 2, value: 9n }]);
    await opened.log.close();
    const last = await NumberLog.open(dir);
    await last.log.close();
    expect(last.recovered.numbers.map((n) => n.value)).toEqual([5n, 9n]);
  });

  it("skips and reports a damaged record in the middle", async () => {
    const dir = await tempDir();
    const { log } = await NumberLog.open(dir);
    await log.writeOrigin("n1@abc");
    await log.append([1n, 2n, 3n].map((value, i) => ({ origin: "n1@abc", seq: i + 1, value })));
    await log.close();
    const path = join(dir, "numbers.log");
    const lines = (await readFile(path, "utf8")).split("\n");
    lines[2] = lines[2]!.replace('"v":"2"', '"v":"7"'); // checksum no longer matches
    await writeFile(path, lines.join("\n"));
    const { log: again, recovered } = await NumberLog.open(dir);
    await again.close();
    expect(recovered.numbers.map((n) => n.value)).toEqual([1n, 3n]);
    expect(recovered.damagedLines).toEqual([3]);
  });
});
