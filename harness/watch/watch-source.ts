/**
 * What to watch. A source describes the network on each poll, so nodes that join, leave or restart show up; the
 * harness (`sumnet run --watch`) adds the scenario's links, which links it has cut, and the current step.
 */
import { z } from "zod";
import { LIVE_ACTION_KINDS, type LiveAction, type LiveOutcome } from "../runner/live.js";

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), "expected an http:// or https:// URL");

export const watchedNodeSchema = z.object({
  /** Base URL of the node's control API, e.g. http://127.0.0.1:8081 */
  url: httpUrl,
  /** The node's id when the source knows it (the harness does); otherwise learnt from the node's answers. */
  id: z.string().min(1).optional(),
  /** What the source did to the node, shown when the node does not answer. */
  status: z.enum(["running", "stopped", "killed", "paused"]).optional(),
  /**
   * What the harness's checker expects this node to report now (from the scenario's history), so the page judges a
   * node as the run does; `uncertain` numbers may or may not count, and the page then judges by its side's majority.
   */
  expected: z
    .object({ total: z.string(), count: z.number().int().nonnegative(), uncertain: z.number().int().nonnegative() })
    .optional(),
});
export type WatchedNode = z.infer<typeof watchedNodeSchema>;

export const networkDescriptionSchema = z.object({
  title: z.string().optional(),
  nodes: z.array(watchedNodeSchema),
  /** Links the source knows of, by node id; `cut` when the source has cut it (partition). */
  links: z.array(z.object({ a: z.string().min(1), b: z.string().min(1), cut: z.boolean().optional() })).optional(),
  /** The scenario step being run, e.g. { index: 3, count: 7, label: "expect total 15 at all nodes" }. */
  step: z.object({ index: z.number().int().nonnegative(), count: z.number().int().nonnegative(), label: z.string() }).optional(),
  /**
   * What the page may do (its buttons): the actions the source carries out, whether the scenario is held, whether a
   * session can be saved. Absent: the page only watches.
   */
  controls: z
    .object({ actions: z.array(z.enum(LIVE_ACTION_KINDS as [LiveAction["kind"], ...LiveAction["kind"][]])), held: z.boolean(), session: z.boolean() })
    .optional(),
});
export type NetworkDescription = z.infer<typeof networkDescriptionSchema>;

export interface WatchSource {
  /** Called before every poll; may be async. Thrown errors are shown on the page and retried on the next poll. */
  describe(): NetworkDescription | Promise<NetworkDescription>;
  /** Carries out an action from the page (the harness's own networks); never rejects. */
  act?(action: LiveAction): Promise<LiveOutcome>;
  /** The session so far as a scenario (what the harness and the page did), when the source records one. */
  session?(): Record<string, unknown> | undefined;
}

/** What the page may do with nodes it only watches: add numbers through their control API (nothing the harness owns). */
export const ADD_NUMBERS_ONLY: NonNullable<NetworkDescription["controls"]> = { actions: ["inject"], held: false, session: false };

/** A fixed list of node URLs, as given to `sumnet watch --nodes`. */
export function nodeListSource(urls: readonly string[], title?: string): WatchSource {
  const description = networkDescriptionSchema.parse({ title, nodes: urls.map((url) => ({ url })), controls: ADD_NUMBERS_ONLY });
  return { describe: () => description };
}

/**
 * Parses `--nodes URL,URL...`. Bare `host:port` gets http://. Errors name the entry and what is expected.
 */
export function parseNodeList(value: string): string[] {
  const entries = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) throw new Error("--nodes: expected at least one URL, e.g. --nodes http://127.0.0.1:8081,http://127.0.0.1:8082");
  return entries.map((entry, i) => {
    const url = /^[a-z]+:\/\//i.test(entry) ? entry : `http://${entry}`;
    const parsed = httpUrl.safeParse(url);
    if (!parsed.success) throw new Error(`--nodes: entry ${i + 1} ${JSON.stringify(entry)} is not an http URL (expected e.g. http://127.0.0.1:8081)`);
    return url.replace(/\/+$/, "");
  });
}
