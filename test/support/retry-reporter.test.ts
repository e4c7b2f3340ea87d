/**
 * The retry reporter names every test that passed only on a retry, with what its failed attempt said: run vitest on
 * a probe that fails once and read the report.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const here = import.meta.dirname;

it("lists a test that passed only on a retry, with the failed attempt's message", async () => {
  const vitest = path.join(here, "../../node_modules/vitest/vitest.mjs");
  const { stdout } = await promisify(execFile)(process.execPath, [vitest, "run", "--config", path.join(here, "fixtures/retry-probe.config.ts")], {
    cwd: path.join(here, "fixtures"),
    env: { ...process.env, NO_COLOR: "1", CI: "" },
    timeout: 60_000,
  });
  expect(stdout).toContain("TESTS THAT NEEDED A RETRY (1)");
  expect(stdout).toMatch(/fails-once\.probe\.ts > fails once: passed after 1 retry/);
  expect(stdout).toContain("attempt 1: the first attempt fails on purpose: expected 1 to be 2");
}, 60_000);
