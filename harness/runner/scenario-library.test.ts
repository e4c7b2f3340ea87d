/** Every scenario shipped in scenarios/ passes on the local runtime with the reference peer. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findScenarioFiles } from "../scenario/load.js";
import { runScenario } from "./run-scenario.js";
import { referencePeerScript } from "../runtime/local/reference-peer.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scenarios");
const files = await findScenarioFiles([dir]);

describe("scenario library on the local runtime", () => {
  it("has at least 12 scenarios", () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it.each(files.map((f) => [path.basename(f), f]))("%s passes", async (_name, file) => {
    if (!existsSync(referencePeerScript())) throw new Error(`${referencePeerScript()} is missing: run npm run build`);
    // Waiting limits are generous on a shared 2-core CI machine; they bound waiting, they are not assertions.
    const result = await runScenario(file, { timeoutScale: 3, keepLogs: "failed" });
    expect(result.failure).toBeUndefined();
    expect(result.status).toBe("passed");
  }, 180_000);
});
