/**
 * Driving a run by hand: what the dashboard's buttons do (add numbers at a node; stop, start, restart, kill, pause or
 * resume a node; cut or restore a link; hold the scenario and go on) as a queue of actions. The runner carries them
 * out between its steps and during its sleeps, through the same operations as scenario steps, so the checker's model
 * knows what was done and the replay records it: a session at the page is a scenario file that plays again.
 *
 * Sans-I/O apart from time: the runner gives the executor (run-scenario.ts); the page's HTTP body is parsed here.
 */
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { IntegerValue, NodeId } from "../scenario/schema.js";

const nodeAction = <K extends string>(kind: K) => z.strictObject({ kind: z.literal(kind), node: NodeId });
const linkAction = <K extends string>(kind: K) => z.strictObject({ kind: z.literal(kind), a: NodeId, b: NodeId });

/** One action from the page (the body of `POST /actions`). */
export const liveActionSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("inject"), node: NodeId, values: z.array(IntegerValue).min(1).max(100) }),
  nodeAction("kill"),
  nodeAction("stop"),
  nodeAction("start"),
  nodeAction("restart"),
  nodeAction("pause"),
  nodeAction("resume"),
  linkAction("cut"),
  linkAction("restore"),
  z.strictObject({ kind: z.literal("hold") }),
  z.strictObject({ kind: z.literal("go") }),
]);
export type LiveAction = z.infer<typeof liveActionSchema>;
export type LiveActionKind = LiveAction["kind"];
export const LIVE_ACTION_KINDS: readonly LiveActionKind[] = liveActionSchema.options.map((o) => o.shape.kind.value);

/** What became of an action: carried out (with what it did), or refused or failed (with why). */
export interface LiveOutcome {
  readonly ok: boolean;
  readonly message: string;
}

/** A short description of an action: `add 5 at n3`, `cut n1-n2`. */
export function describeAction(action: LiveAction): string {
  switch (action.kind) {
    case "inject":
      return `add ${action.values.join(", ")} at ${action.node}`;
    case "cut":
    case "restore":
      return `${action.kind} ${action.a}-${action.b}`;
    case "hold":
      return "hold the scenario";
    case "go":
      return "go on with the scenario";
    default:
      return `${action.kind} ${action.node}`;
  }
}

/** Carries out one action on the running network; resolves with what it did, throws an Error saying why not. */
export type LiveExecutor = (action: Exclude<LiveAction, { kind: "hold" | "go" }>) => Promise<string>;

interface Pending {
  readonly action: Exclude<LiveAction, { kind: "hold" | "go" }>;
  readonly resolve: (outcome: LiveOutcome) => void;
}

/** How long a submitted action may wait for the runner (inside an expect or a nemesis) before it is given up. */
export const DEFAULT_LIVE_WAIT_MS = 60_000;

export class LiveControl {
  private queue: Pending[] = [];
  private held = false;
  private wake: (() => void) | undefined;
  private executor: LiveExecutor | undefined;
  private session: (() => Record<string, unknown>) | undefined;
  private lastSession: Record<string, unknown> | undefined;
  private actions = 0;

  /** True while the page holds the scenario: the runner waits before its next step (and after its last). */
  get isHeld(): boolean {
    return this.held;
  }

  /** True while a run is attached (its network is up). */
  get isAttached(): boolean {
    return this.executor !== undefined;
  }

  /** Actions carried out since the control was made. */
  get carriedOut(): number {
    return this.actions;
  }

  /** Whether there is a session to save (a run attached now or before); cheap, unlike making it. */
  get hasSession(): boolean {
    return this.session !== undefined || this.lastSession !== undefined;
  }

  /** The current run's session so far as a scenario (its replay), or the last run's; undefined before any. */
  sessionScenario(): Record<string, unknown> | undefined {
    return this.session?.() ?? this.lastSession;
  }

  /** From the page: resolves when the action is carried out, refused, or given up after `waitMs`. Never rejects. */
  submit(action: LiveAction, waitMs = DEFAULT_LIVE_WAIT_MS): Promise<LiveOutcome> {
    if (action.kind === "hold" || action.kind === "go") {
      this.held = action.kind === "hold";
      this.poke();
      return Promise.resolve({ ok: true, message: this.held ? "holding: the scenario waits before its next step" : "going on with the scenario" });
    }
    if (!this.executor) return Promise.resolve({ ok: false, message: "no scenario is running: there is no network to act on" });
    return new Promise<LiveOutcome>((resolve) => {
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(pending);
        if (i < 0) return;
        this.queue.splice(i, 1);
        resolve({ ok: false, message: `not carried out: the runner was inside a step that cannot be interrupted (an expect or a nemesis) for ${Math.round(waitMs / 1000)} s` });
      }, waitMs);
      const pending: Pending = {
        action,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      this.queue.push(pending);
      this.poke();
    });
  }

  /** The runner: a network is up; actions go to `executor`, the session is `session()`. */
  attach(executor: LiveExecutor, session: () => Record<string, unknown>): void {
    this.executor = executor;
    this.session = session;
  }

  /** The runner: the network goes down. Queued actions are refused; the session so far is kept. */
  detach(): void {
    this.lastSession = this.session?.();
    this.executor = undefined;
    this.session = undefined;
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, message: "not carried out: the scenario ended" });
    this.poke();
  }

  /** The runner, between steps: carry out what is queued; while held, wait for actions or `go` (or the signal). */
  async between(signal?: AbortSignal): Promise<void> {
    await this.drain();
    while (this.held && !signal?.aborted && this.executor) {
      await this.nextPoke(signal, Number.POSITIVE_INFINITY, () => !this.held || this.executor === undefined);
      await this.drain();
    }
  }

  /** The runner, during a sleep of `ms`: carry out actions as they come until the time is up (a hold does not stop it). */
  async during(ms: number, signal?: AbortSignal): Promise<void> {
    const end = performance.now() + ms;
    for (;;) {
      await this.drain();
      const left = end - performance.now();
      if (left <= 0 || signal?.aborted) return;
      await this.nextPoke(signal, left, () => false);
    }
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      const executor = this.executor;
      if (!executor) {
        next.resolve({ ok: false, message: "not carried out: the scenario ended" });
        continue;
      }
      try {
        const message = await executor(next.action);
        this.actions++;
        next.resolve({ ok: true, message });
      } catch (error) {
        next.resolve({ ok: false, message: `${describeAction(next.action)}: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits for a submit, `go`, a detach, the signal or `ms`; at once when something came while the caller was busy. */
  private nextPoke(signal: AbortSignal | undefined, ms: number, changed: () => boolean): Promise<void> {
    if (this.queue.length > 0 || changed() || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(1, Math.ceil(ms)));
      signal?.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }
}
