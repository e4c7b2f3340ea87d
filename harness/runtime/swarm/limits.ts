/**
 * The grader's sandbox (harness/grade/sandbox.ts, written as a container's HostConfig) as a swarm task takes it:
 * memory, CPUs, processes, a read-only root with a tmpfs at /tmp, dropped capabilities. What a task cannot take on
 * Engine API 1.41 (no-new-privileges, swap, a log size) is named once in a warning, not silently dropped.
 */
import type Docker from "dockerode";
import type { SwarmLimits } from "./swarm-host.js";

export function swarmLimitsOf(hostConfig: Readonly<Partial<Docker.HostConfig>>, log?: (line: string) => void): SwarmLimits {
  const tmp = hostConfig.Tmpfs?.["/tmp"];
  const size = tmp && /size=(\d+)m/.exec(tmp)?.[1];
  const ignored: string[] = [];
  if (hostConfig.SecurityOpt?.length) ignored.push(`security options (${hostConfig.SecurityOpt.join(", ")})`);
  if (hostConfig.MemorySwap !== undefined) ignored.push("a swap limit (a task may swap as much again as its memory)");
  if (hostConfig.LogConfig) ignored.push("a log size limit");
  if (ignored.length) log?.(`warning: a swarm task cannot take ${ignored.join(", ")}; the other limits apply`);
  return {
    memoryBytes: hostConfig.Memory || undefined,
    nanoCpus: hostConfig.NanoCpus || undefined,
    pids: hostConfig.PidsLimit || undefined,
    readOnly: hostConfig.ReadonlyRootfs || undefined,
    capabilityDrop: hostConfig.CapDrop?.length ? hostConfig.CapDrop : undefined,
    tmpfs: size ? { target: "/tmp", sizeBytes: Number(size) * 1024 * 1024 } : undefined,
  };
}
