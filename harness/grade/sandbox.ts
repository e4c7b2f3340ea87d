/**
 * The sandbox for untrusted peer images: what a container under grading may use. Student code is untrusted, so
 * every container the grader starts on the docker runtime gets:
 * - no Linux capabilities, and no way to gain privileges (setuid binaries do nothing);
 * - a read-only root filesystem, with a small writable tmpfs at /tmp; DATA_DIR, when a scenario asks for one, is
 *   the runtime's per-node host folder (it survives the restarts that DATA_DIR is tested with), limited to
 *   `dataDirMiB` by a tmpfs mounted on the host (runtime/docker/data-dir.ts; needs root on Linux): writing more
 *   fails with ENOSPC;
 * - limits on memory (no swap), CPU and the number of processes, so a memory hog is OOM-killed and a fork bomb
 *   hits the pids limit instead of the machine;
 * - a bounded log on the engine side (json-file, one file of at most `logMiB`), so a log flood cannot fill the disk;
 * - only internal networks: containers reach each other and the grader reaches them, nothing reaches outside.
 * The wall-clock limit per scenario is enforced by the grader itself (see grade.ts).
 */
import { z } from "zod";
import { cannotMount } from "../runtime/docker/data-dir.js";

export const sandboxPolicySchema = z.object({
  /** Memory limit per container in MiB; swap is not allowed on top of it. */
  memoryMiB: z.number().int().min(16).default(256),
  /** CPU limit per container (cores; 0.5 = half a core). */
  cpus: z.number().positive().max(64).default(0.5),
  /** Maximum number of processes/threads per container. */
  pids: z.number().int().min(8).default(128),
  /** Size of the writable tmpfs at /tmp in MiB. */
  tmpMiB: z.number().int().min(1).default(32),
  /** Engine-side log kept per container in MiB (older lines are dropped). */
  logMiB: z.number().int().min(1).default(8),
  /** Size of each node's DATA_DIR in MiB (a peer that writes more gets ENOSPC). */
  dataDirMiB: z.number().int().min(1).default(64),
});

export type SandboxPolicy = z.infer<typeof sandboxPolicySchema>;

export const DEFAULT_SANDBOX: SandboxPolicy = sandboxPolicySchema.parse({});

/**
 * The part of a Docker Engine API `HostConfig` (POST /containers/create) that makes a container a sandbox.
 * A runtime merges it into the HostConfig it builds; the network mode and mounts stay the runtime's.
 */
export interface SandboxHostConfig {
  readonly CapDrop: string[];
  readonly SecurityOpt: string[];
  readonly ReadonlyRootfs: boolean;
  readonly Tmpfs: Record<string, string>;
  readonly Memory: number;
  readonly MemorySwap: number;
  readonly NanoCpus: number;
  readonly PidsLimit: number;
  readonly LogConfig: { Type: string; Config: Record<string, string> };
  readonly Init: boolean;
}

export function sandboxHostConfig(policy: SandboxPolicy = DEFAULT_SANDBOX): SandboxHostConfig {
  const memory = policy.memoryMiB * 1024 * 1024;
  return {
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    ReadonlyRootfs: true,
    Tmpfs: { "/tmp": `rw,nosuid,nodev,size=${policy.tmpMiB}m,mode=1777` },
    Memory: memory,
    MemorySwap: memory, // equal to Memory: no swap on top
    NanoCpus: Math.round(policy.cpus * 1e9),
    PidsLimit: policy.pids,
    LogConfig: { Type: "json-file", Config: { "max-size": `${policy.logMiB}m`, "max-file": "1" } },
    // No docker-init: the peer is PID 1 and must handle SIGTERM itself, as PEER-CONTRACT.md says.
    Init: false,
  };
}

/** Options for `docker network create` (Engine API NetworkCreate) of a sandbox network: no route outside. */
export const SANDBOX_NETWORK = Object.freeze({ Internal: true, EnableIPv6: false });

/** Human-readable summary, for reports. */
export function describeSandbox(policy: SandboxPolicy = DEFAULT_SANDBOX): string {
  return (
    `capabilities dropped, no-new-privileges, read-only root filesystem (tmpfs /tmp ${policy.tmpMiB} MiB), ` +
    `memory ${policy.memoryMiB} MiB, ${policy.cpus} CPU, ${policy.pids} processes, log ${policy.logMiB} MiB, ` +
    `DATA_DIR ${policy.dataDirMiB} MiB${cannotMount() ? ` (not enforced: ${cannotMount()})` : ""}, ` +
    `internal network only`
  );
}
