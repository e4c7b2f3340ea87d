/**
 * A node's DATA_DIR on the docker runtime: a host folder bind-mounted into the container, so that it survives the
 * stops, kills and restarts that DATA_DIR is tested with. With a size limit (the grader's sandbox) the folder is a
 * tmpfs of that size mounted on the host: a peer that fills it gets ENOSPC ("No space left on device").
 *
 * Why a host tmpfs: engine 20.10 has no size limit that survives a restart without extra drivers. A tmpfs mount in
 * the container, or a local volume of type tmpfs, is unmounted whenever the container stops (its data is gone);
 * `--storage-opt size=` needs overlay2 on xfs with project quotas. Mounting needs root on Linux; elsewhere the
 * folder stays unlimited and the caller is told why.
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export interface DataDir {
  readonly path: string;
  /** The size limit in MiB, when the folder is a tmpfs of that size. */
  readonly limitMiB: number | undefined;
  /** Why the folder is not limited although a limit was asked for. */
  readonly unlimitedBecause?: string | undefined;
}

/** Can this process mount a tmpfs (root on Linux)? Undefined when it can, else why not. */
export function cannotMount(): string | undefined {
  if (process.platform !== "linux") return `mounting a tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  return undefined;
}

/** A fresh folder under `parent` named `<prefix>XXXXXX`, writable by any user id, limited to `limitMiB` if possible. */
export async function createDataDir(parent: string, prefix: string, limitMiB: number | undefined): Promise<DataDir> {
  const dir = await mkdtemp(path.join(parent, prefix));
  // Any user id in any image must be able to write it.
  await chmod(dir, 0o777);
  if (limitMiB === undefined) return { path: dir, limitMiB: undefined };
  const why = cannotMount();
  if (why) return { path: dir, limitMiB: undefined, unlimitedBecause: why };
  try {
    await exec("mount", ["-t", "tmpfs", "-o", `size=${limitMiB}m,mode=0777,nosuid,nodev`, "tmpfs", dir], { timeout: 10_000 });
  } catch (error) {
    return { path: dir, limitMiB: undefined, unlimitedBecause: `mount -t tmpfs failed: ${(error as Error).message.split("\n")[0]}` };
  }
  return { path: dir, limitMiB };
}

/** True when `dir` is a mount point (another device than its parent). */
async function isMountPoint(dir: string): Promise<boolean> {
  try {
    const [own, parent] = await Promise.all([stat(dir), stat(path.dirname(dir))]);
    return own.dev !== parent.dev;
  } catch {
    return false;
  }
}

/** Unmounts the folder when it is a tmpfs of ours, then removes it. Throws when it stays mounted. */
export async function removeDataDir(dir: string): Promise<void> {
  if (await isMountPoint(dir)) {
    await exec("umount", [dir], { timeout: 10_000 }).catch((error: Error) => {
      throw new Error(`could not unmount the DATA_DIR tmpfs ${dir}: ${error.message.split("\n")[0]}`);
    });
  }
  await rm(dir, { recursive: true, force: true });
}
