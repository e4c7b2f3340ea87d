/**
 * Words shared by the conformance checks: how a failed request, a long body and a huge integer read in a message.
 */

import { ControlError } from "../../contract/peer-client.js";

export function describeError(error: unknown, timeoutMs?: number): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || (error instanceof ControlError && error.timedOut)) return timeoutMs ? `no answer within ${timeoutMs / 1000} s` : "no answer in time";
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) return `${error.message} (${cause.message})`;
    return error.message;
  }
  return String(error);
}

export function quote(body: string, max = 120): string {
  const oneLine = body.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine || "(empty)";
}

/** A huge integer cut to its ends, so that a message stays readable. */
export function shortInteger(value: string | bigint): string {
  const text = value.toString();
  const digits = text.replace(/^-/, "").length;
  return digits > 40 ? `${text.slice(0, 15)}...${text.slice(-10)} (${digits} digits)` : text;
}
