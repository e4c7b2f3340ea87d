/** `sumnet run --html FILE`: the results page (renderResultsPage) written once the suite has run. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Reporter, SuiteSummary } from "../reporters/reporter.js";
import type { ScenarioResult } from "../runner/result.js";
import { renderResultsPage } from "./results-page.js";

export class HtmlReporter implements Reporter {
  constructor(private readonly path: string) {}

  async suiteEnd(results: readonly ScenarioResult[], _summary: SuiteSummary): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(this.path, renderResultsPage(results));
  }
}
