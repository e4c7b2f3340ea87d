/**
 * Leftovers: containers, networks, swarm services (nodes and link agents of `--runtime swarm`) and volumes (their
 * DATA_DIRs) labelled `sumnet.run` that outlived their run (the harness was SIGKILLed, the machine lost power, a
 * dispose failed). `sumnet clean` lists and removes them. Services are found through this engine when it manages a
 * swarm; volumes and containers are those of this machine (run `sumnet clean` on each machine of a swarm).
 */
import path from "node:path";
import type Docker from "dockerode";
import { removeDataDir } from "./data-dir.js";
import { LABEL_NETWORK, LABEL_PID, LABEL_RUN } from "./labels.js";
import { removeNetwork } from "./network-removal.js";

export interface Leftover {
  readonly kind: "service" | "container" | "volume" | "network";
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
  const [containers, networks, services, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters: { label: [label] } }),
    docker.listNetworks({ filters: { label: [label] } }),
    // Not a swarm manager (or no swarm): the engine refuses; there are no services to find here.
    docker.listServices({ filters: { label: [label] } }).catch(() => [] as Docker.Service[]) as Promise<ServiceSummary[]>,
    docker.listVolumes({ filters: { label: [label] } }).then((v) => (v.Volumes ?? []) as VolumeSummary[]),
  ]);
  const owner = (labels: Record<string, string> | undefined): boolean =>
    Number(labels?.[LABEL_PID]) !== process.pid && processAlive(Number(labels?.[LABEL_PID]));
  return [
    ...services.map((s) => ({
      kind: "service" as const,
      id: s.ID,
      name: s.Spec?.Name ?? s.ID,
      run: s.Spec?.Labels?.[LABEL_RUN] ?? "",
      network: s.Spec?.Labels?.[LABEL_NETWORK] ?? "",
      ownerAlive: owner(s.Spec?.Labels),
      dataDirs: [],
    })),
    ...volumes.map((v) => ({
      kind: "volume" as const,
      id: v.Name,
      name: v.Name,
      run: v.Labels?.[LABEL_RUN] ?? "",
      network: v.Labels?.[LABEL_NETWORK] ?? "",
      ownerAlive: owner(v.Labels ?? undefined),
      dataDirs: [],
    })),
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

interface ServiceSummary {
  readonly ID: string;
  readonly Spec?: { readonly Name?: string; readonly Labels?: Record<string, string> };
}

interface VolumeSummary {
  readonly Name: string;
  readonly Labels?: Record<string, string> | null;
}

/** Volumes may stay in use for a moment after their service is removed (its task's container is shutting down). */
const VOLUME_PATIENCE_MS = 30_000;

export interface RemovalResult {
  readonly removed: Leftover[];
  readonly failed: { readonly leftover: Leftover; readonly error: string }[];
}

/** Removes services first (they would replace their containers), then containers, volumes and networks. */
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
  await Promise.all(leftovers.filter((l) => l.kind === "service").map((l) => attempt(l, () => docker.getService(l.id).remove())));
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
  const deadline = Date.now() + VOLUME_PATIENCE_MS;
  await Promise.all(
    leftovers
      .filter((l) => l.kind === "volume")
      .map((l) =>
        attempt(l, async () => {
          for (;;) {
            try {
              return await docker.getVolume(l.id).remove();
            } catch (error) {
              if ((error as { statusCode?: number }).statusCode !== 409 || Date.now() >= deadline) throw error;
              await new Promise((resolve) => setTimeout(resolve, 500));
            }
          }
        }),
      ),
  );
  await Promise.all(
    leftovers.filter((l) => l.kind === "network").map((l) => attempt(l, () => removeNetwork(docker, l.id))),
  );
  return { removed, failed };
}
