/**
 * One node's container seen as a process, for the hosts that drive containers through the engine (the docker host
 * and the compose host): each run of it is watched with `docker wait` and its end reported once, with the signal and
 * the engine's own word on an out-of-memory kill; stop, kill, pause and resume keep the pause bookkeeping the engine
 * needs (it refuses to stop a paused container). The hosts differ only in how a container comes to exist.
 */
import { constants as osConstants } from "node:os";
import type Docker from "dockerode";
import { z } from "zod";
import type { HostEvents } from "../host.js";
import { freezeWithRetry } from "../freeze.js";

type Exit = Parameters<HostEvents["exited"]>[1];

export class ContainerProcess {
  /** Resolves when the current run of the container has ended (set at each run). */
  private exited: Promise<void> = Promise.resolve();
  /** Increments at each run, so a late `docker wait` answer of an older run is ignored. */
  private generation = 0;
  /** Frozen with `docker pause`. */
  private paused = false;

  constructor(
    readonly container: Docker.Container,
    private readonly onExit: (exit: Exit) => void,
  ) {}

  /** A run of the container has begun (created, started or unpaused by the host): it is not paused; report its end. */
  running(): void {
    this.paused = false;
    const generation = ++this.generation;
    const { container } = this;
    this.exited = container.wait().then(
      async (result: { StatusCode: number }) => {
        const oomKilled = oomKilledOf(await container.inspect().catch(() => undefined));
        if (generation === this.generation) this.onExit(exitOf(result.StatusCode, oomKilled));
      },
      () => {
        if (generation === this.generation) this.onExit({ code: null, signal: null });
      },
    );
  }

  /** `docker stop` with a grace period; resolves when the run's end has been reported. */
  async stop(timeoutMs: number): Promise<void> {
    await this.unpause();
    await this.container.stop({ t: Math.max(0, Math.ceil(timeoutMs / 1000)) }).catch(ignoreGone);
    await this.exited;
  }

  async kill(): Promise<void> {
    await this.unpause();
    await this.container.kill({ signal: "SIGKILL" }).catch(ignoreGone);
    await this.exited;
  }

  async pause(): Promise<void> {
    await freezeWithRetry(() => this.container.pause());
    this.paused = true;
  }

  async resume(): Promise<void> {
    await this.unpause();
  }

  /** Whatever this run does from now on is not reported (the host is disposed of). */
  forget(): void {
    this.generation++;
  }

  private async unpause(): Promise<void> {
    if (!this.paused) return;
    await this.container.unpause().catch(ignoreGone);
    this.paused = false;
  }
}

/** Docker reports death by signal N as exit code 128 + N. */
export function exitOf(code: number, oomKilled: boolean | undefined): Exit {
  const signal = code > 128 ? (Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0] ?? null) : null;
  return { code, signal, ...(oomKilled === undefined ? {} : { oomKilled }) };
}

/** The part of `docker inspect` (Engine API ContainerInspect) that says how the last run ended. */
const exitStateSchema = z.object({ State: z.object({ OOMKilled: z.boolean() }) });

/**
 * The engine's own word on an out-of-memory kill (exit code 137 alone is any SIGKILL); undefined when the container
 * could not be inspected (removed meanwhile) or the answer lacks the flag.
 */
export function oomKilledOf(inspected: unknown): boolean | undefined {
  const parsed = exitStateSchema.safeParse(inspected);
  return parsed.success ? parsed.data.State.OOMKilled : undefined;
}

/** For engine calls on a container that may be gone or not running: 304 already stopped, 404 gone, 409 not running. */
export function ignoreGone(e: Error & { statusCode?: number }): void {
  if (e.statusCode !== 304 && e.statusCode !== 404 && e.statusCode !== 409) throw e;
}
