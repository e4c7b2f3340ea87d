/**
 * DATA_DIR with a size limit: a tmpfs mounted on the host folder (root on Linux). Writing past the limit fails with
 * ENOSPC, the data survives while the folder exists (the container's restarts), and removal unmounts it. No engine.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cannotMount, createDataDir, removeDataDir } from "./data-dir.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "sumnet-data-dir-test-"));
});
afterAll(async () => {
  // Unmount whatever a failed test left before removing the folder.
  for (const name of await readdir(tmp).catch(() => [])) await removeDataDir(path.join(tmp, name)).catch(() => undefined);
  await rm(tmp, { recursive: true, force: true });
});

describe("DATA_DIR folders", () => {
  it("without a limit: a plain folder", async () => {
    const dir = await createDataDir(tmp, "plain-", undefined);
    expect(dir.limitMiB).toBeUndefined();
    await writeFile(path.join(dir.path, "state"), "x".repeat(3 * 1024 * 1024));
    await removeDataDir(dir.path);
    expect(await readdir(tmp)).not.toContain(path.basename(dir.path));
  });

  it.skipIf(cannotMount() !== undefined)(`with a limit: ENOSPC past it, unmounted on removal (${cannotMount() ?? "root on Linux"})`, async () => {
    const dir = await createDataDir(tmp, "limited-", 1);
    expect(dir).toEqual({ path: dir.path, limitMiB: 1 });
    await writeFile(path.join(dir.path, "small"), "kept");
    await expect(writeFile(path.join(dir.path, "big"), Buffer.alloc(2 * 1024 * 1024))).rejects.toMatchObject({ code: "ENOSPC" });
    expect(await readFile(path.join(dir.path, "small"), "utf8")).toBe("kept");
    expect(await readFile("/proc/mounts", "utf8")).toContain(dir.path);
    await removeDataDir(dir.path);
    expect(await readFile("/proc/mounts", "utf8")).not.toContain(dir.path);
    expect(await readdir(tmp)).not.toContain(path.basename(dir.path));
  });
});
