/**
 * Pass rates of a run that played scenarios several times with different seeds (`sumnet run --runs N`): per scenario,
 * how many runs passed and which seeds failed. Results of one scenario are grouped by name, in order of appearance.
 */
import type { ScenarioResult } from "../runner/result.js";

export interface PassRate {
  readonly name: string;
  readonly file?: string | undefined;
  readonly runs: number;
  readonly passed: number;
  readonly failedSeeds: readonly number[];
  readonly durationMs: number;
  /** The runs of this scenario, in order. */
  readonly results: readonly ScenarioResult[];
}

export function passRates(results: readonly ScenarioResult[]): PassRate[] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const r of results) {
    const list = groups.get(r.name) ?? [];
    list.push(r);
    groups.set(r.name, list);
  }
  return [...groups].map(([name, list]) => ({
    name,
    file: list[0]?.file,
    runs: list.length,
    passed: list.filter((r) => r.status === "passed").length,
    failedSeeds: list.filter((r) => r.status === "failed").map((r) => r.seed),
    durationMs: list.reduce((ms, r) => ms + r.durationMs, 0),
    results: list,
  }));
}

/** Whether some scenario ran more than once (then reports show pass rates). */
export function ranSeveralSeeds(results: readonly ScenarioResult[]): boolean {
  return new Set(results.map((r) => r.name)).size < results.length;
}

/** "random-nemesis: 47/50 passed; failed seeds 12, 31, 40" */
export function formatPassRate(rate: PassRate): string {
  const seeds = rate.failedSeeds.length ? `; failed seed${rate.failedSeeds.length === 1 ? "" : "s"} ${rate.failedSeeds.join(", ")}` : "";
  return `${rate.name}: ${rate.passed}/${rate.runs} passed${seeds}`;
}
