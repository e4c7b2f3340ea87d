/** JSON reporter: one document with the summary and every scenario result, to a file or stdout. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Reporter, SuiteSummary } from "./reporter.js";
import type { ScenarioResult } from "../runner/result.js";

export function resultsDocument(results: readonly ScenarioResult[], summary: SuiteSummary): object {
  return { tool: "sumnet", generatedAt: new Date().toISOString(), summary, scenarios: results };
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
