/** The results page of `sumnet run` (renderResultsPage), written once the suite has run (`--html FILE`). */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Reporter, SuiteSummary } from "../reporters/reporter.js";
import type { ScenarioResult } from "../runner/result.js";
import { renderResultsPage } from "./results-page.js";

export class HtmlReporter implements Reporter {
  constructor(
    private readonly path: string,
    /** Told where the page went (the CLI prints it to stderr, so that stdout stays the chosen report). */
    private readonly log?: (line: string) => void,
  ) {}

  async suiteEnd(results: readonly ScenarioResult[], _summary: SuiteSummary): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(this.path, renderResultsPage(results));
    this.log?.(`results page: ${this.path}`);
  }
}
