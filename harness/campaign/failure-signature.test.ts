import { describe, expect, it } from "vitest";
import type { FailingNode } from "../runner/result.js";
import { failsSameWay, failureSignature } from "./failure-signature.js";

const failed = (...nodes: [string, FailingNode["kind"]][]) => ({
  status: "failed" as const,
  failingNodes: nodes.map(([node, kind]) => ({ node, kind, reason: "..." })),
});

describe("failure signature", () => {
  it("keeps the kind that shows a bug first (surplus before lost before too-slow), with its nodes", () => {
    expect(failureSignature(failed(["n2", "too-slow"], ["n3", "lost"], ["n1", "lost"]))).toEqual({ kind: "lost", nodes: ["n1", "n3"] });
    expect(failureSignature(failed(["n2", "lost"], ["n5", "surplus"]))).toEqual({ kind: "surplus", nodes: ["n5"] });
  });

  it("has none for a pass or a failure that blames no node", () => {
    expect(failureSignature({ status: "passed", failingNodes: [] })).toBeUndefined();
    expect(failureSignature(failed())).toBeUndefined();
  });

  it("matches the same kind on an original node while one still exists, and the kind alone once they are all gone", () => {
    const sig = failureSignature(failed(["n3", "lost"]))!;
    const all = new Set(["n1", "n2", "n3"]);
    expect(failsSameWay(sig, failed(["n3", "lost"]), all)).toBe(true);
    expect(failsSameWay(sig, failed(["n1", "lost"]), all)).toBe(false);
    expect(failsSameWay(sig, failed(["n3", "surplus"]), all)).toBe(false);
    expect(failsSameWay(sig, failed(["n1", "lost"]), new Set(["n1", "n2"]))).toBe(true);
    expect(failsSameWay(sig, failed(["n1", "surplus"]), new Set(["n1", "n2"]))).toBe(false);
    expect(failsSameWay(sig, { status: "passed", failingNodes: [] }, all)).toBe(false);
  });
});
