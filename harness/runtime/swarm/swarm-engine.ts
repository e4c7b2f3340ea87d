/**
 * What the swarm runtime asks of a swarm manager's engine, parsed: whether this engine manages a swarm, its machines,
 * and the tasks of services. The engine's answers are parsed with zod (only the fields used here), so a field missing
 * in some engine version is an error that names it, not an `undefined` deep inside.
 */
import type Docker from "dockerode";
import { z } from "zod";

export type SwarmAvailability =
  | { readonly available: true; readonly nodeId: string; readonly machines: number }
  | { readonly available: false; readonly reason: string };

const infoSchema = z.object({
  Swarm: z
    .object({
      LocalNodeState: z.string(),
      ControlAvailable: z.boolean().optional(),
      NodeID: z.string().optional(),
      Nodes: z.number().optional(),
    })
    .optional(),
});

/** Whether this engine is a manager of an active swarm (the swarm runtime creates services through it). */
export async function swarmAvailability(docker: Docker): Promise<SwarmAvailability> {
  const info = infoSchema.parse(await docker.info());
  const swarm = info.Swarm;
  if (!swarm || swarm.LocalNodeState !== "active") {
    return {
      available: false,
      reason: `this Docker engine is not in a swarm (state ${swarm?.LocalNodeState ?? "unknown"}): run \`docker swarm init\` (one machine) or join one`,
    };
  }
  if (!swarm.ControlAvailable) {
    return { available: false, reason: "this Docker engine is a swarm worker: run sumnet on a manager of the swarm" };
  }
  return { available: true, nodeId: swarm.NodeID ?? "", machines: swarm.Nodes ?? 1 };
}

const machineSchema = z.object({
  ID: z.string(),
  Description: z.object({ Hostname: z.string() }).optional(),
  Spec: z.object({ Availability: z.string().optional(), Role: z.string().optional() }),
  Status: z.object({ State: z.string(), Addr: z.string().optional() }),
});

/** A machine of the swarm that can run tasks. */
export interface Machine {
  readonly id: string;
  readonly hostname: string;
  /** The address the machine is reached at (the swarm's advertised address). */
  readonly addr: string;
}

/** Machines that are ready and active, in a stable order (by hostname, then id). */
export async function readyMachines(docker: Docker): Promise<Machine[]> {
  const nodes = z.array(machineSchema).parse(await docker.listNodes());
  return nodes
    .filter((n) => n.Status.State === "ready" && (n.Spec.Availability ?? "active") === "active")
    .map((n) => ({ id: n.ID, hostname: n.Description?.Hostname ?? n.ID, addr: n.Status.Addr ?? "" }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

const taskSchema = z.object({
  ID: z.string(),
  ServiceID: z.string(),
  NodeID: z.string().optional(),
  CreatedAt: z.string(),
  DesiredState: z.string(),
  Status: z.object({
    State: z.string(),
    Err: z.string().optional(),
    Message: z.string().optional(),
    ContainerStatus: z.object({ ContainerID: z.string().optional(), ExitCode: z.number().optional() }).optional(),
  }),
  NetworksAttachments: z
    .array(z.object({ Network: z.object({ ID: z.string() }), Addresses: z.array(z.string()).optional() }))
    .optional(),
});

export type Task = z.infer<typeof taskSchema>;

/** Task states after which the task's container no longer runs (swarm never revives a task). */
export const ENDED_TASK_STATES: ReadonlySet<string> = new Set(["complete", "failed", "shutdown", "rejected", "orphaned", "remove"]);

/** Tasks of the given services (every service when `serviceIds` is empty). */
export async function listTasks(docker: Docker, serviceIds: readonly string[] = []): Promise<Task[]> {
  const filters = serviceIds.length ? { service: [...serviceIds] } : {};
  return z.array(taskSchema).parse(await docker.listTasks({ filters }));
}

/** The task's IPv4 address on a network (addresses come as CIDR, "10.0.1.5/24"). */
export function taskAddress(task: Task, networkId: string): string | undefined {
  const cidr = task.NetworksAttachments?.find((n) => n.Network.ID === networkId)?.Addresses?.[0];
  return cidr?.split("/")[0];
}
