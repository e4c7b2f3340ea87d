/**
 * What the harness asks of one node, whatever runs it: the control API of PEER-CONTRACT.md as calls. Over HTTP for
 * processes and containers (peer-client.ts); as direct calls into the core for simulated nodes. Failures are
 * ControlError either way, with `sent` saying whether the request may have had an effect.
 */
import type { HealthResponse, StateResponse } from "./http-api.js";
import { addNumbers, getHealth, getState, getTotal, type TotalAnswer } from "./peer-client.js";

export interface NodeClient {
  /** POST /numbers: resolves with the parsed answer (it may name the numbers' identities). */
  addNumbers(values: readonly (string | bigint)[], timeoutMs: number): Promise<unknown>;
  /** GET /total. */
  total(timeoutMs: number): Promise<TotalAnswer>;
  /** GET /state (an optional route: a peer without it rejects with a ControlError of status 404). */
  state(timeoutMs: number): Promise<StateResponse>;
  /** GET /health: resolves when it answers 200. */
  health(timeoutMs: number): Promise<HealthResponse>;
}

/** The client of a node reached over HTTP at `baseUrl`. */
export function httpNodeClient(baseUrl: string): NodeClient {
  return {
    addNumbers: (values, timeoutMs) => addNumbers(baseUrl, values, timeoutMs),
    total: (timeoutMs) => getTotal(baseUrl, timeoutMs),
    state: (timeoutMs) => getState(baseUrl, timeoutMs),
    health: (timeoutMs) => getHealth(baseUrl, timeoutMs),
  };
}
