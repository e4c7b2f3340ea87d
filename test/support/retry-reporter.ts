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

/**
 * A failed attempt's message on one line. A long one (a grade's whole output given as an assertion's message) keeps
 * its head, every place that says "fail" or "error" (up to `MAX_SPOTS`), and its end, where an assertion says what it
 * expected: what was cut is marked "...".
 */
export function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const spans: [number, number][] = [[0, HEAD]];
  for (const m of flat.matchAll(/\b(fail(?:ed|s|ure)?|error)\b/gi)) {
    if (spans.length > MAX_SPOTS) break;
    spans.push([Math.max(0, m.index - AROUND), Math.min(flat.length, m.index + AROUND)]);
  }
  spans.push([Math.max(0, flat.length - TAIL), flat.length]);
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  return merged.map(([a, b]) => `${a > 0 ? "..." : ""}${flat.slice(a, b)}`).join(" ") + (merged.at(-1)![1] < flat.length ? "..." : "");
}

const HEAD = 200;
const TAIL = 300;
const AROUND = 150;
const MAX_SPOTS = 4;
