/**
 * Conformance on the local runtime: the reference peer and the Python example pass; peers that break one rule each
 * fail with words that name the rule. Real processes.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LocalRuntime, quoteWord } from "../runtime/local/index.js";
import { checkConformance, type ConformanceResult } from "./conformance.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pythonPeer = `python3 ${quoteWord(`${root}examples/python-peer/peer.py`)}`;
const nonconforming = `python3 ${quoteWord(`${root}test/fixtures/nonconforming/nonconforming-peer.py`)}`;
const escapedBugs = `node ${quoteWord(`${root}test/fixtures/grading/escaped-bugs.mjs`)}`;

async function conformance(command: string | undefined, env: Record<string, string> = {}): Promise<ConformanceResult> {
  return checkConformance({
    runtime: new LocalRuntime(),
    command,
    env,
    healthTimeoutMs: 10_000,
    stopGraceMs: 2_000,
    convergeTimeoutMs: 5_000,
  });
}

const failed = (result: ConformanceResult) =>
  Object.fromEntries(result.checks.filter((c) => c.status === "fail").map((c) => [c.id, c.message]));

describe("conformance", () => {
  it("passes the reference peer", async () => {
    const result = await conformance(undefined);
    expect(failed(result)).toEqual({});
    expect(result.passed).toBe(true);
    expect(result.checks.map((c) => [c.id, c.status])).toEqual([
      ["health", "pass"],
      ["total-initial", "pass"],
      ["post-valid", "pass"],
      ["reject-invalid", "pass"],
      ["reject-stores-nothing", "pass"],
      ["post-twice", "pass"],
      ["post-concurrent", "pass"],
      ["unknown-route", "pass"],
      ["sigterm", "pass"],
      ["restart-fresh-posts", "pass"],
      ["restart-numbers-once", "pass"],
    ]);
  });

  it("passes the Python example", async () => {
    const result = await conformance(pythonPeer);
    expect(failed(result)).toEqual({});
    expect(result.passed).toBe(true);
    expect(result.usable).toBe(true);
  });

  it("says GET /total answered 404", async () => {
    const result = await conformance(nonconforming, { BREAK: "no-total" });
    expect(result.passed).toBe(false);
    expect(result.usable).toBe(false);
    expect(failed(result)["total-initial"]).toBe(
      "GET /total answered 404: a peer must serve GET /total, see PEER-CONTRACT.md",
    );
  });

  it("says GET /total got no answer within the request timeout", async () => {
    const result = await checkConformance({
      runtime: new LocalRuntime(),
      command: nonconforming,
      env: { BREAK: "hangs-on-total" },
      healthTimeoutMs: 10_000,
      stopGraceMs: 2_000,
      requestTimeoutMs: 1_000,
    });
    expect(result.usable).toBe(false);
    expect(failed(result)["total-initial"]).toBe("GET /total failed: no answer within 1 s.");
  });

  it("says the total must be a decimal string", async () => {
    const result = await conformance(nonconforming, { BREAK: "number-total" });
    expect(failed(result)["total-initial"]).toMatch(/"total" must be a decimal string such as "42"/);
  });

  it("says which invalid value was accepted", async () => {
    const result = await conformance(nonconforming, { BREAK: "accepts-floats" });
    expect(failed(result)["reject-invalid"]).toMatch(
      /^POST \/numbers with a float \(\{"value": 1.5\}\) answered 201; a number with an exponent \(\{"value": 1e3\}\) answered 201: a peer must answer 400 \{"error": "..."\} and store nothing/,
    );
    // Truncating 1.5 to 1 stored a number: the total after the rejections shows it.
    expect(failed(result)["reject-stores-nothing"]).toMatch(/reported total .* expected total/);
    expect(result.usable).toBe(true);
  });

  it("says NUMBERS were not counted", async () => {
    const result = await conformance(nonconforming, { BREAK: "ignores-numbers" });
    expect(failed(result)["total-initial"]).toBe(
      "with NUMBERS=7,-2 and nothing posted (a peer must add the numbers in NUMBERS when it starts), GET /total " +
        "reported total 0 count 0, expected total 5 count 2",
    );
    // Later checks judge POST from what the peer reports, so they pass.
    expect(result.checks.find((c) => c.id === "post-valid")?.status).toBe("pass");
  });

  it("says the peer ignored SIGTERM", async () => {
    const result = await conformance(nonconforming, { BREAK: "slow-exit" });
    expect(failed(result).sigterm).toMatch(/did not exit within 2 s of SIGTERM and was killed/);
  });

  it("says the command could not start", async () => {
    const result = await conformance("no-such-peer-binary --flag");
    expect(result.usable).toBe(false);
    expect(failed(result).health).toMatch(/^the peer could not start, or did not answer GET \/health with 200 within 10 s: .*ENOENT/s);
  });

  it("says the peer never answered /health", async () => {
    const result = await checkConformance({
      runtime: new LocalRuntime(),
      command: nonconforming,
      env: { BREAK: "never-healthy" },
      healthTimeoutMs: 2_000,
    });
    expect(result.usable).toBe(false);
    expect(failed(result).health).toMatch(
      /^the peer could not start, or did not answer GET \/health with 200 within 2 s \(tried twice\): .*\nA peer must start, listen on HTTP_PORT/s,
    );
  });
});

describe("conformance catches the bugs that escaped the scenario library (issue 14)", () => {
  it("passes the escaped-bugs fixture without a bug", async () => {
    const result = await conformance(escapedBugs);
    expect(failed(result)).toEqual({});
    expect(result.checks.map((c) => c.status)).not.toContain("skip");
  });

  it("says a value posted twice counted once", async () => {
    const result = await conformance(escapedBugs, { BUG: "value-dedup" });
    expect(failed(result)["post-twice"]).toMatch(
      /^after POSTing 11 twice \(each answered 201\), GET \/total reported total -?\d+ count 8, expected total -?\d+ count 9: the second 11 was taken for the first\. .*never by its value/,
    );
  });

  it("says concurrent POSTs lost numbers", async () => {
    const result = await conformance(escapedBugs, { BUG: "lost-concurrent" });
    expect(failed(result)["post-concurrent"]).toMatch(
      /^after 8 POSTs of 100 values each, sent at once and each answered 201, GET \/total reported .*: [1-7]\d{0,2} of the 800 numbers are missing although every POST was answered 201\. Requests that arrive together must not overwrite/,
    );
  });

  it("says new numbers after a restart without DATA_DIR collided at the other node", async () => {
    const result = await conformance(escapedBugs, { BUG: "seq-reset" });
    expect(failed(result)).toEqual({
      "restart-fresh-posts": expect.stringMatching(
        /^c1 was posted 1000, 2000, 3000, killed, restarted without DATA_DIR and posted 4, 5, 6 \(answered 201\); within 5 s c2 reported total 6000 count 3, expected total 6015 count 6: c2 took the new numbers for the ones it already had\./,
      ),
    });
    expect(result.logTail).toMatch(/--- c2 \(restart-fresh-posts\) ---/);
  });

  it("says NUMBERS were counted again after a restart with DATA_DIR", async () => {
    const result = await conformance(escapedBugs, { BUG: "numbers-recount" });
    expect(failed(result)).toEqual({
      "restart-numbers-once": expect.stringMatching(
        /reported total 50 count 5, expected total 45 count 3: NUMBERS were counted again\./,
      ),
    });
  });
});
