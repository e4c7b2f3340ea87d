/**
 * Removing a swarm run: its node services, then their DATA_DIR volumes (on every machine, through that machine's link
 * agent, and on this one through its engine), then the agents, then the overlay network. Everything is found by the
 * run's label, so the same sweep serves dispose, a failed start, Ctrl-C and `sumnet clean` after a crash.
 */
import type Docker from "dockerode";
import { eachLimited } from "../../base/each-limited.js";
import { LABEL_RUN } from "../docker/labels.js";
import { removeNetwork } from "../docker/network-removal.js";
import type { AgentClient } from "./agent-client.js";
import { listTasks } from "./swarm-engine.js";

/** Marks the run's link agent service (the other services of a run are its nodes). */
export const LABEL_ROLE = "sumnet.role";

/** How long volumes may stay in use by containers that are still shutting down. */
const VOLUME_PATIENCE_MS = 30_000;
/** How long the containers of removed services may take to stop (a peer gets SIGTERM, then SIGKILL after 10 s). */
const CONTAINER_PATIENCE_MS = 30_000;

interface ServiceSummary {
  readonly ID: string;
  readonly Spec?: { readonly Name?: string; readonly Labels?: Record<string, string> };
}

/** Removes everything of run `runId` (every run when undefined); throws one Error naming what stayed. */
export async function removeSwarmRun(docker: Docker, runId: string | undefined, agents: readonly AgentClient[] = []): Promise<string[]> {
  const label = runId ? `${LABEL_RUN}=${runId}` : LABEL_RUN;
  const problems: string[] = [];
  const removed: string[] = [];
  const services = (await docker.listServices({ filters: { label: [label] } })) as ServiceSummary[];
  const isAgent = (s: ServiceSummary): boolean => s.Spec?.Labels?.[LABEL_ROLE] === "agent";
  /** Removes the services, then waits until their tasks' containers are gone (the manager's tasks and this engine). */
  const removeServices = async (list: readonly ServiceSummary[]): Promise<void> => {
    await eachLimited([...list], 8, async (s) => {
      try {
        await docker.getService(s.ID).remove();
        removed.push(`service ${s.Spec?.Name ?? s.ID}`);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) problems.push(`service ${s.Spec?.Name ?? s.ID}: ${(error as Error).message}`);
      }
    });
    const ids = new Set(list.map((s) => s.ID));
    // 200 containers stopping at once on 2 cores took over a minute: the patience grows with their number.
    const patienceMs = CONTAINER_PATIENCE_MS + list.length * 500;
    const deadline = Date.now() + patienceMs;
    for (;;) {
      const tasks = ids.size ? await listTasks(docker, [...ids]).catch(() => []) : [];
      const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
      const here = containers.filter((c) => ids.has(c.Labels["com.docker.swarm.service.id"] ?? ""));
      if (!tasks.length && !here.length) return;
      if (Date.now() >= deadline) {
        problems.push(`${here.length} container(s) and ${tasks.length} task(s) of removed services still there after ${patienceMs / 1000} s`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  await removeServices(services.filter((s) => !isAgent(s)));
  // Agents are asked only while their service exists (a second sweep, after a first one removed them, asks nobody).
  const liveAgents = services.some(isAgent) ? agents : [];

  // Volumes go once the containers that use them have stopped: agents (other machines) and this engine (here).
  const deadline = Date.now() + VOLUME_PATIENCE_MS;
  for (;;) {
    const failures: string[] = [];
    for (const agent of liveAgents) {
      try {
        const result = await agent.removeVolumes();
        removed.push(...result.removed.map((v) => `volume ${v} on ${agent.machine}`));
        failures.push(...result.failed.map((f) => `volume ${f.name} on ${agent.machine}: ${f.error}`));
      } catch (error) {
        failures.push(`volumes on ${agent.machine}: ${(error as Error).message}`);
      }
    }
    const volumes = ((await docker.listVolumes({ filters: { label: [label] } })) as { Volumes?: { Name: string }[] | null }).Volumes ?? [];
    for (const volume of volumes) {
      try {
        await docker.getVolume(volume.Name).remove();
        removed.push(`volume ${volume.Name}`);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) failures.push(`volume ${volume.Name}: ${(error as Error).message}`);
      }
    }
    if (!failures.length) break;
    if (Date.now() >= deadline) {
      problems.push(...failures);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  await removeServices(services.filter(isAgent));
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  for (const network of networks) {
    try {
      await removeNetwork(docker, network.Id);
      removed.push(`network ${network.Name}`);
    } catch (error) {
      problems.push(`network ${network.Name}: ${(error as Error).message}`);
    }
  }
  if (problems.length) {
    throw new Error(`swarm runtime: could not remove everything of run ${runId ?? "(all runs)"} (run \`sumnet clean\`): ${problems.join("; ")}`);
  }
  return removed;
}
