/**
 * What a node's exit means to a student, said from the runtime's data (the exit code, the signal, and the container
 * engine's own out-of-memory flag), never guessed from prose or from exit code 137 alone: 137 is any SIGKILL.
 */
import type { NodeExit } from "./runtime.js";

/** How a node exited, as data a result carries. */
export type NodeExitData = Pick<NodeExit, "code" | "signal" | "oomKilled">;

/** What the reader knows about the limits the node ran under. */
export interface ExitContext {
  /** The memory limit per container in MiB (the grader's sandbox); undefined when unknown or none. */
  readonly sandboxMemoryMiB?: number | undefined;
}

/** One clause on why the node died, or undefined when the exit code says it all (it exited by itself). */
export function explainExit(exit: NodeExitData, context: ExitContext = {}): string | undefined {
  if (exit.oomKilled === true) {
    return context.sandboxMemoryMiB === undefined
      ? "killed for exceeding its memory limit (the container engine reported it out of memory)"
      : `killed at the sandbox's memory limit of ${context.sandboxMemoryMiB} MiB (the container engine reported it ` +
          "out of memory): keep less in memory";
  }
  if (exit.signal !== "SIGKILL" && exit.code !== 137) return undefined;
  return exit.oomKilled === false
    ? "killed (SIGKILL), not for memory (the container engine did not report it out of memory)"
    : "killed (SIGKILL) by something other than the harness";
}

/** A crashed node's reason, built from its exit data: how it exited, then what that means. */
export function crashReason(exit: NodeExitData, context: ExitContext = {}): string {
  const how = `code ${exit.code ?? "?"}${exit.signal ? `, signal ${exit.signal}` : ""}`;
  const meaning = explainExit(exit, context);
  return `is not running: it exited on its own (${how})${meaning ? `: ${meaning}` : ""}`;
}
