/**
 * A node that dies while the runner talks to it is blamed as crashed, with how it exited, also when the runtime learns
 * of the exit only after the request failed (the swarm runtime polls for exits). Here the local runtime's exit events
 * are held back 600 ms, as a polling runtime's are, so the request always fails first.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostEvents } from "../runtime/host.js";
import { LocalHost } from "../runtime/local/local-runtime.js";
import type { Runtime } from "../runtime/runtime.js";
import { HostedNetwork } from "../runtime/started-network.js";
import { REPO_ROOT } from "../../test/support/sumnet-cli.js";
import { runScenario } from "./run-scenario.js";

const EXIT_NOTICE_DELAY_MS = 600;
let resultsDir: string;

beforeAll(async () => {
  resultsDir = await mkdtemp(path.join(os.tmpdir(), "sumnet-learned-exits-"));
});
afterAll(async () => {
  await rm(resultsDir, { recursive: true, force: true });
});

/** The local runtime, told of every exit 600 ms late. */
function lateExitRuntime(peerCommand: string): Runtime {
  return {
    name: "local",
    maxNodes: 10,
    start: (spec, options = {}) =>
      HostedNetwork.start(
        spec,
        (events) => {
          const late: HostEvents = { exited: (id, exit) => void setTimeout(() => events.exited(id, exit), EXIT_NOTICE_DELAY_MS) };
          return new LocalHost(spec.name, { peerCommand }, late);
        },
        options,
      ),
  };
}

describe("a node that dies under the runner's request", () => {
  it("is blamed as crashed with its exit, though the runtime learned of the exit after the POST failed", async () => {
    const runtime = lateExitRuntime(`node ${path.join(REPO_ROOT, "test/fixtures/crashing/dies-on-post.mjs")}`);
    const result = await runScenario(
      { name: "dies on post", topology: { type: "line", nodes: 1 }, steps: [{ inject: { at: "n1", values: [1] } }, { expect: { total: 1 } }] },
      { runtime, resultsDir },
    );
    expect(result.status).toBe("failed");
    expect(result.failingNodes).toHaveLength(1);
    expect(result.failingNodes[0]).toMatchObject({ node: "n1", kind: "crashed", exit: { code: null, signal: "SIGKILL" } });
    // The POST's own failure stays in the words, followed by how the node ended.
    expect(result.failure).toMatch(/step 1 \(inject[^\n]*\): n1 .+\nn1 is not running: it exited on its own \(code \?, signal SIGKILL\): killed \(SIGKILL\)/);
  });

  it("is blamed with its exit when it dies before it is healthy", async () => {
    const runtime = lateExitRuntime(`node -e "process.exit(3)"`);
    const result = await runScenario({ name: "dies at start", topology: { type: "line", nodes: 1 }, steps: [{ expect: {} }] }, { runtime, resultsDir });
    expect(result.status).toBe("failed");
    expect(result.failingNodes).toEqual([expect.objectContaining({ node: "n1", kind: "start-failed", exit: { code: 3, signal: null } })]);
  });
});
