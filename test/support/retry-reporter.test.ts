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

it("keeps, of a long message, its head, what says fail, and its end", async () => {
  const { oneLine } = await import("./retry-reporter.js");
  const checks = Array.from({ length: 40 }, (_, i) => `pass check number ${i} answered as it should`);
  checks.splice(25, 0, "fail two nodes agree: n2 reports 5, expected 7");
  const text = `conformance: ${checks.join(" ")}\n\nexpected 1 to be 0 // Object.is equality`;
  const line = oneLine(text);
  expect(line.startsWith("conformance: pass check number 0")).toBe(true);
  expect(line).toContain("fail two nodes agree: n2 reports 5, expected 7");
  expect(line.endsWith("expected 1 to be 0 // Object.is equality")).toBe(true);
  expect(line).toContain("...");
  expect(line.length).toBeLessThan(text.length);
  // A short message stays whole.
  expect(oneLine("expected 1 to be 2")).toBe("expected 1 to be 2");
});
