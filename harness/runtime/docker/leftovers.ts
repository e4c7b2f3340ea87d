/**
 * Leftovers: containers and networks labelled `sumnet.run` that outlived their run (the harness was SIGKILLed, the
 * machine lost power, a dispose failed). `sumnet clean` lists and removes them.
 */
import path from "node:path";
import type Docker from "dockerode";
import { removeDataDir } from "./data-dir.js";
import { LABEL_NETWORK, LABEL_PID, LABEL_RUN } from "./labels.js";
import { removeNetwork } from "./network-removal.js";

export interface Leftover {
  readonly kind: "container" | "network";
  readonly id: string;
  readonly name: string;
  readonly run: string;
  /** The network's human name (scenario). */
  readonly network: string;
  /** True when the harness process that created it still runs on this machine (its run may be live). */
  readonly ownerAlive: boolean;
  /** Host folders of the node's DATA_DIR (bind mounts the runtime created, maybe tmpfs), removed with the container. */
  readonly dataDirs: readonly string[];
}

export interface FindLeftoversOptions {
  /** Only this run id. */
  readonly run?: string | undefined;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function findLeftovers(docker: Docker, options: FindLeftoversOptions = {}): Promise<Leftover[]> {
  const label = options.run ? `${LABEL_RUN}=${options.run}` : LABEL_RUN;
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [label] } }),
    docker.listNetworks({ filters: { label: [label] } }),
  ]);
  const owner = (labels: Record<string, string> | undefined): boolean =>
    Number(labels?.[LABEL_PID]) !== process.pid && processAlive(Number(labels?.[LABEL_PID]));
  return [
    ...containers.map((c) => ({
      kind: "container" as const,
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
      run: c.Labels[LABEL_RUN] ?? "",
      network: c.Labels[LABEL_NETWORK] ?? "",
      ownerAlive: owner(c.Labels),
      dataDirs: (c.Mounts ?? [])
        .map((m) => m.Source)
        .filter((source) => path.basename(source).startsWith(`sumnet-${c.Labels[LABEL_RUN]}-`)),
    })),
    ...networks.map((n) => ({
      kind: "network" as const,
      id: n.Id,
      name: n.Name,
      run: n.Labels?.[LABEL_RUN] ?? "",
      network: n.Labels?.[LABEL_NETWORK] ?? "",
      ownerAlive: owner(n.Labels),
      dataDirs: [],
    })),
  ];
}

export interface RemovalResult {
  readonly removed: Leftover[];
  readonly failed: { readonly leftover: Leftover; readonly error: string }[];
}

/** Removes containers first (a network in use cannot go), then networks. */
export async function removeLeftovers(docker: Docker, leftovers: readonly Leftover[]): Promise<RemovalResult> {
  const removed: Leftover[] = [];
  const failed: { leftover: Leftover; error: string }[] = [];
  const attempt = async (leftover: Leftover, remove: () => Promise<unknown>): Promise<void> => {
    try {
      await remove();
      removed.push(leftover);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) removed.push(leftover);
      else failed.push({ leftover, error: (error as Error).message });
    }
  };
  await Promise.all(
    leftovers
      .filter((l) => l.kind === "container")
      .map((l) =>
        attempt(l, async () => {
          await docker.getContainer(l.id).remove({ force: true, v: true });
          await Promise.all(l.dataDirs.map((dir) => removeDataDir(dir)));
        }),
      ),
  );
  await Promise.all(
    leftovers.filter((l) => l.kind === "network").map((l) => attempt(l, () => removeNetwork(docker, l.id))),
  );
  return { removed, failed };
}
