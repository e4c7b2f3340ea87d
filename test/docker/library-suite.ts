/**
 * The scenario library as a test suite on a container runtime: every scenario in scenarios/ passes, and nothing of
 * it is left on the engine afterwards. Used by the docker and the swarm runtimes' suites.
 */
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../harness/runtime/docker/engine.js";
import { findLeftovers } from "../../harness/runtime/docker/leftovers.js";
import { ensureReferenceImage } from "../../harness/runtime/docker/reference-image.js";
import type { Runtime } from "../../harness/runtime/runtime.js";
import { runScenario } from "../../harness/runner/index.js";
import { blameworthy, type DockerGate } from "./docker-gate.js";

const scenariosDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scenarios");
const files = readdirSync(scenariosDir)
  .filter((f) => /\.(ya?ml|json)$/.test(f) && f !== "scenario.schema.json")
  .sort();

export function libraryOnRuntime(suite: string, gate: DockerGate, runtimeName: string, makeRuntime: (image: string) => Runtime): void {
  describe.skipIf(!gate.available)(suite, () => {
    let runtime: Runtime;
    let resultsDir: string;

    beforeAll(async () => {
      const image = await ensureReferenceImage({ log: (line) => console.log(line) });
      runtime = makeRuntime(image);
      resultsDir = await mkdtemp(path.join(os.tmpdir(), `sumnet-${runtimeName}-scenarios-`));
    }, 900_000);

    afterAll(async () => {
      await rm(resultsDir, { recursive: true, force: true });
    });

    it("finds the scenario library", () => {
      expect(files.length).toBeGreaterThan(0);
    });

    it.each(files)("%s passes", async (file) => {
      const docker = await dockerClient();
      const before = new Set((await findLeftovers(docker)).map((l) => l.id));
      // The machine is shared and has 2 cores: scale the scenario's own expect timeouts, never assert speed.
      const result = await runScenario(path.join(scenariosDir, file), { runtime, resultsDir, keepLogs: "failed", timeoutScale: 3 });
      const failed = result.steps.filter((s) => s.status === "failed").map((s) => `${s.label}: ${s.message ?? ""}`);
      expect(failed, result.failure ?? "").toEqual([]);
      expect(result.status).toBe("passed");
      expect(result.runtime).toBe(runtimeName);
      // The runner disposed the network: nothing of this scenario is left on the engine.
      const appeared = await blameworthy(docker, (await findLeftovers(docker)).filter((l) => !before.has(l.id) && l.network === result.name && !l.ownerAlive));
      expect(appeared).toEqual([]);
    }, 600_000);
  });
}
