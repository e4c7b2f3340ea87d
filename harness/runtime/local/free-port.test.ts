import { describe, expect, it } from "vitest";
import { allocatable, FETCH_BLOCKED_PORTS, freePort, PORT_RANGE } from "./free-port.js";

describe("free ports for peers", () => {
  it("never allocates a port that fetch refuses, over the allocator's whole range", async () => {
    const { lowest, highest } = PORT_RANGE;
    const blockedInRange = [...FETCH_BLOCKED_PORTS].filter((p) => p >= lowest && p < highest);
    expect(blockedInRange).toContain(10080);
    for (let port = lowest; port < highest; port++) {
      if (FETCH_BLOCKED_PORTS.has(port)) expect(allocatable(port), `port ${port}`).toBe(false);
    }
    // Drive the allocator with a random source that starts on a blocked port: it is skipped, the next one comes out.
    const span = highest - lowest;
    let i = blockedInRange[0]! - lowest;
    const walk = (): number => ((i++ % span) + 0.5) / span;
    const port = await freePort(walk);
    expect(FETCH_BLOCKED_PORTS.has(port)).toBe(false);
    expect(port).toBeGreaterThan(blockedInRange[0]!);
  });

  it("fetch really refuses the blocked ports (the list is not stale)", async () => {
    const cause = await fetch("http://127.0.0.1:10080/").then(
      () => undefined,
      (error: Error & { cause?: Error }) => error.cause?.message,
    );
    expect(cause).toMatch(/bad port/i);
  });
});
