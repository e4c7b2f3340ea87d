/**
 * A vitest reporter that lists, at the end of the run, every test that passed only on a retry (CI retries a failed
 * test). Each one is a bug to find and fix, never a pass to accept: the list makes sure nobody misses one.
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
      const state = t.result().state;
      return `  - ${t.module.moduleId.replace(`${process.cwd()}/`, "")} > ${t.fullName}: ${state} after ${t.diagnostic()?.retryCount} retr${t.diagnostic()?.retryCount === 1 ? "y" : "ies"}`;
    });
    process.stdout.write(
      `\nTESTS THAT NEEDED A RETRY (${this.retried.length}): each is a bug to find and fix, not a pass.\n${lines.join("\n")}\n\n`,
    );
  }
}
