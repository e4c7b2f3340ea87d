/**
 * A vitest reporter that lists, at the end of the run, every test that passed only on a retry (CI retries a failed
 * test), with what the failed attempts said: a retry that passes hides its failure from the default reporter, and
 * without the message the bug cannot be found. Each one is a bug to find and fix, never a pass to accept.
 */
import type { Reporter, TestCase, TestModule } from "vitest/node";

export default class RetryReporter implements Reporter {
  private readonly retried: TestCase[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const diagnostic = testCase.diagnostic();
    if (diagnostic && diagnostic.retryCount > 0) this.retried.push(testCase);
  }

  onTestRunEnd(_modules: readonly TestModule[]): void {
    if (this.retried.length === 0) return;
    const lines = this.retried.map((t) => {
      const { state, errors } = t.result();
      const retries = t.diagnostic()?.retryCount ?? 0;
      const head = `  - ${t.module.moduleId.replace(`${process.cwd()}/`, "")} > ${t.fullName}: ${state} after ${retries} retr${retries === 1 ? "y" : "ies"}`;
      // A test that passed in the end still carries the errors of its failed attempts.
      const said = (errors ?? []).map((e, i) => `      attempt ${i + 1}: ${oneLine(e.message ?? String(e))}`);
      return [head, ...said].join("\n");
    });
    process.stdout.write(
      `\nTESTS THAT NEEDED A RETRY (${this.retried.length}): each is a bug to find and fix, not a pass.\n${lines.join("\n")}\n\n`,
    );
  }
}

function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
