/**
 * What every container runtime (docker, swarm) must do with the same four-node line a <- b <- c <- d (b with a
 * DATA_DIR, starting totals -90), step by step: the runtimes' own test files call these in order, so that one
 * behaviour is written once and both runtimes are held to it.
 */
import { expect } from "vitest";
import { dockerClient } from "../../harness/runtime/docker/engine.js";
import { LABEL_NODE, LABEL_RUN } from "../../harness/runtime/docker/labels.js";
import type { NetworkEvent, StartedNetwork } from "../../harness/runtime/runtime.js";
import type { NetworkSpec } from "../../harness/network/spec.js";
import { allAgreeOn, eventually, getTotal, postNumber, testNode as node, totalsOf } from "./docker-gate.js";

export const LINE_IDS = ["a", "b", "c", "d"] as const;

/** a <- b <- c <- d : b dials a, c dials b, d dials c. b keeps a DATA_DIR. Totals -90. */
export function lineNetwork(name: string): NetworkSpec {
  return {
    name,
    nodes: [node("a", ["1"]), node("b", ["2"], { dataDir: true }), node("c", ["3"]), node("d", ["4", "-100"])],
    links: [
      { from: "b", to: "a" },
      { from: "c", to: "b" },
      { from: "d", to: "c" },
    ],
  };
}

/** Cutting c-b partitions the line for real (910 on one side, -90 on the other); restoring it heals (910). */
export async function partitionsAndHeals(net: StartedNetwork): Promise<void> {
  await net.cutLink("c", "b");
  expect(net.snapshot().links.find((l) => l.from === "c")?.cut).toBe(true);
  await postNumber(net.controlUrl("a"), 1000);
  await allAgreeOn(net, ["a", "b"], "910");
  // Several anti-entropy rounds (300 ms) pass: the far side must still not know it.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(await totalsOf(net, ["c", "d"])).toEqual(["-90", "-90"]);
  await net.restoreLink("b", "c");
  await allAgreeOn(net, LINE_IDS, "910");
}

/** A 600 ms delay on d-c, outside the containers (no tc, no netem in the image), then cleared (915). */
export async function delaysOutsideTheContainers(net: StartedNetwork): Promise<void> {
  await net.shapeLink("d", "c", { delayMs: 600, jitterMs: 0, loss: 0 });
  const started = Date.now();
  await postNumber(net.controlUrl("c"), 5);
  await eventually("d to learn the number", async () => ((await getTotal(net.controlUrl("d"))).total === "915" ? true : undefined));
  // A lower bound only: the number crossed the relay, which held it for the delay.
  expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  await net.clearLinkShape("c", "d");
  expect(net.snapshot().links.find((l) => l.from === "d")?.shape.delayMs).toBe(0);
}

/** Kill and restart keep b's numbers (DATA_DIR); a graceful restart of c exits 0; exits are reported (932). */
export async function keepsDataDirAcrossKillAndRestart(net: StartedNetwork): Promise<void> {
  await postNumber(net.controlUrl("b"), 7);
  await allAgreeOn(net, LINE_IDS, "922");
  await net.killNode("b");
  const killed = net.snapshot().nodes.find((n) => n.id === "b");
  expect(killed?.status).toBe("stopped");
  expect(killed?.lastExit).toMatchObject({ signal: "SIGKILL", expected: true });
  await postNumber(net.controlUrl("a"), 10);
  await net.startNode("b", { healthTimeoutMs: 60_000 });
  await allAgreeOn(net, LINE_IDS, "932");
  expect((await getTotal(net.controlUrl("b"))).count).toBe(9);
  expect(net.snapshot().nodes.find((n) => n.id === "b")?.starts).toBe(2);

  await net.restartNode("c", { healthTimeoutMs: 60_000 });
  expect(net.snapshot().nodes.find((n) => n.id === "c")).toMatchObject({ status: "running", starts: 2 });
  expect(net.snapshot().nodes.find((n) => n.id === "c")?.lastExit).toMatchObject({ code: 0, expected: true });
  await allAgreeOn(net, LINE_IDS, "932");
}

/** d's container SIGKILLed behind the harness's back is reported as exited (137, unexpected); d starts again. */
export async function reportsACrashBehindItsBack(net: StartedNetwork, runId: string, events: readonly NetworkEvent[]): Promise<void> {
  const docker = await dockerClient();
  const [container] = await docker.listContainers({ filters: { label: [`${LABEL_RUN}=${runId}`, `${LABEL_NODE}=d`] } });
  await docker.getContainer(container?.Id ?? "missing").kill({ signal: "SIGKILL" });
  await eventually("d to be seen as exited", async () => (net.snapshot().nodes.find((n) => n.id === "d")?.status === "exited" ? true : undefined));
  expect(net.snapshot().nodes.find((n) => n.id === "d")?.lastExit).toMatchObject({ expected: false, code: 137 });
  expect(events.some((e) => e.type === "node" && e.node.id === "d" && e.node.status === "exited")).toBe(true);
  await net.startNode("d", { healthTimeoutMs: 60_000 });
}
