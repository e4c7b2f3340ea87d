/**
 * Whether the suites that run Python fixtures run: they need python3 on PATH. Without it they are skipped with a
 * printed reason, unless REQUIRE_PYTHON=1 (CI), which turns the missing interpreter into a failing test.
 */
import { spawnSync } from "node:child_process";
import { describe, it } from "vitest";

export const pythonAvailable = spawnSync("python3", ["--version"]).status === 0;

/** Returns whether python3 is there; if not, skips `suite` with a reason, or fails it when REQUIRE_PYTHON=1. */
export function pythonGate(suite: string): boolean {
  if (pythonAvailable) return true;
  const required = process.env.REQUIRE_PYTHON === "1";
  if (!required) console.warn(`skipping ${suite}: python3 is not on PATH (set REQUIRE_PYTHON=1 to fail instead)`);
  describe.skipIf(!required)(`${suite} (REQUIRE_PYTHON=1)`, () => {
    it("needs python3", () => {
      throw new Error("REQUIRE_PYTHON=1 but python3 is not on PATH");
    });
  });
  return false;
}
