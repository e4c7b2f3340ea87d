/** A duration option (`--budget 5m`, `--shrink-budget 90s`): the scenario files' duration syntax, in milliseconds. */
import { Duration, durationMs } from "../scenario/schema.js";
import { UsageError } from "./usage.js";

export function durationOption(name: string, value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Duration.safeParse(/^\d+$/.test(value) ? Number(value) : value);
  const ms = parsed.success ? durationMs(parsed.data) : 0;
  if (!parsed.success || ms <= 0) {
    throw new UsageError(`--${name} expects a duration like 90s, 5m or 500ms (a bare number is milliseconds), got "${value}"`, usage);
  }
  return ms;
}
