/**
 * Reading one peer over its HTTP control API. A watched node may be any implementation of the peer contract, so every
 * response is parsed with zod; a node without GET /state (or with one we cannot parse) still shows its GET /total.
 */
import { ControlError, getState, getTotal } from "../../contract/peer-client.js";
import type { LinkReport } from "../../contract/http-api.js";

export type { LinkReport };

/** What one poll of one node found. `links` is null when the node has no usable GET /state. */
export type NodeReading =
  | { url: string; reachable: true; node: string; total: string; count: number; links: LinkReport[] | null; stateError?: string }
  | { url: string; reachable: false; error: string };

/**
 * Polls one node: GET /state first; when that is missing or malformed, GET /total. Never throws: an unreachable or
 * misbehaving node is a reading too, with the reason. A node that does not name itself is shown by its URL.
 */
export async function readNode(baseUrl: string, timeoutMs = 1000): Promise<NodeReading> {
  const base = baseUrl.replace(/\/+$/, "");
  let stateError: string;
  try {
    const s = await getState(base, timeoutMs);
    return { url: baseUrl, reachable: true, node: s.node, total: s.total, count: s.count, links: s.links };
  } catch (error) {
    // A network failure (refused, timed out) would fail /total the same way: do not wait twice.
    if (!(error instanceof ControlError) || error.status === undefined) {
      return { url: baseUrl, reachable: false, error: `${base} ${(error as Error).message}` };
    }
    stateError = `${base} ${error.message}`;
  }
  try {
    const t = await getTotal(base, timeoutMs);
    return { url: baseUrl, reachable: true, node: t.node ?? base, total: t.total.toString(), count: t.count, links: null, stateError };
  } catch (error) {
    return { url: baseUrl, reachable: false, error: `${base} ${(error as Error).message}` };
  }
}
