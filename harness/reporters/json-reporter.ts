/** JSON reporter: one document with the summary and every scenario result, to a file or stdout. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Reporter, SuiteSummary } from "./reporter.js";
import type { ScenarioResult } from "../runner/result.js";
import { passRates } from "./pass-rate.js";

export function resultsDocument(results: readonly ScenarioResult[], summary: SuiteSummary): object {
  // Pass rates per scenario (runs, passed, failed seeds); the runs themselves are in `scenarios`, one entry per seed.
  const rates = passRates(results).map(({ results: _runs, ...rate }) => rate);
  return { tool: "sumnet", generatedAt: new Date().toISOString(), summary, passRates: rates, scenarios: results };
}

export class JsonReporter implements Reporter {
  constructor(private readonly out?: string) {}

  async suiteEnd(results: readonly ScenarioResult[], summary: SuiteSummary): Promise<void> {
    const text = `${JSON.stringify(resultsDocument(results, summary), null, 2)}\n`;
    if (this.out) {
      await mkdir(path.dirname(path.resolve(this.out)), { recursive: true });
      await writeFile(this.out, text);
    } else process.stdout.write(text);
  }
}
