/**
 * The sandbox really contains hostile images: each fixture from test/fixtures/hostile runs in a container created
 * with sandboxHostConfig() on an internal network, and the test checks the limit that must stop it.
 * Needs a Docker engine; skipped with a printed reason without one, unless REQUIRE_DOCKER=1.
 */
import { performance } from "node:perf_hooks";
import { stat } from "node:fs/promises";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerGate } from "../../test/docker/docker-gate.js";
import { buildHostileImages, pythonBaseImage, type HostileBehaviour } from "../../test/fixtures/hostile/images.js";
import { sandboxHostConfig, sandboxPolicySchema, SANDBOX_NETWORK } from "./sandbox.js";

const gate = await dockerGate("sandbox tests");

const LABEL = "sumnet.test";
const RUN = `sandbox-${process.pid}-${Date.now().toString(36)}`;
// Small limits keep the test cheap on a 2-core machine.
const policy = sandboxPolicySchema.parse({ memoryMiB: 96, cpus: 0.25, pids: 32, logMiB: 2 });

describe.skipIf(!gate.available)("sandbox for untrusted images", () => {
  const docker = new Docker();
  let images: Record<HostileBehaviour, string>;
  let base: string;
  let network: Docker.Network;

  beforeAll(async () => {
    base = await pythonBaseImage();
    images = await buildHostileImages();
    network = await docker.createNetwork({ Name: RUN, ...SANDBOX_NETWORK, Labels: { [LABEL]: RUN } });
  }, 240_000);

  afterAll(async () => {
    const leftovers = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${RUN}`] } });
    await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await network?.remove().catch(() => undefined);
  }, 150_000);

  async function run(name: string, image: string, cmd?: string[]): Promise<Docker.Container> {
    const container = await docker.createContainer({
      name: `${RUN}-${name}`,
      Image: image,
      ...(cmd ? { Cmd: cmd } : {}),
      Env: ["NODE_ID=h1", "HTTP_PORT=8080"],
      Labels: { [LABEL]: RUN },
      HostConfig: { ...sandboxHostConfig(policy), NetworkMode: RUN },
    });
    await container.start();
    return container;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs a Python snippet in a sandboxed container of the base image and returns its output. */
  async function probe(name: string, code: string): Promise<string> {
    const container = await run(name, base, ["python3", "-c", code]);
    await container.wait();
    const out = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
    await container.remove({ force: true });
    // Multiplexed stream: 8-byte headers per frame; strip them.
    const chunks: Buffer[] = [];
    for (let i = 0; i + 8 <= out.length; ) {
      const size = out.readUInt32BE(i + 4);
      chunks.push(out.subarray(i + 8, i + 8 + size));
      i += 8 + size;
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  it("drops every capability and forbids new privileges", { timeout: 120_000 }, async () => {
    const out = await probe(
      "privileges",
      "import re; s=open('/proc/self/status').read();" +
        "print('CapEff', re.search(r'CapEff:\\s*(\\w+)', s).group(1));" +
        "print('NoNewPrivs', re.search(r'NoNewPrivs:\\s*(\\d)', s).group(1))",
    );
    expect(out).toContain("CapEff 0000000000000000");
    expect(out).toContain("NoNewPrivs 1");
  });

  it("attaches containers only to an internal network", { timeout: 120_000 }, async () => {
    // Probing a route outside would send traffic off this machine, so check what the engine enforces instead:
    // an internal network (no NAT, forwarding out of its bridge dropped) and no default bridge.
    const container = await run("network", base, ["python3", "-c", "import time; time.sleep(30)"]);
    const networks = Object.keys((await container.inspect()).NetworkSettings.Networks);
    expect(networks).toEqual([RUN]);
    expect((await network.inspect()).Internal).toBe(true);
    await container.remove({ force: true });
  });

  it("has a read-only root filesystem and a writable /tmp", { timeout: 120_000 }, async () => {
    const out = await probe(
      "readonly",
      "import os\n" +
        "try:\n open('/app-write-test','w'); print('root writable')\n" +
        "except OSError as e: print('root', e.strerror)\n" +
        "open('/tmp/x','w').write('ok'); print('tmp', open('/tmp/x').read())",
    );
    expect(out).toContain("root Read-only file system");
    expect(out).toContain("tmp ok");
  });

  it("stops a fork bomb at the process limit", async () => {
    const container = await run("fork-bomb", images["fork-bomb"]);
    // The bomb reaches the limit and stays there; the container keeps existing and can be removed.
    const pids = await waitFor("the fork bomb to reach the pids limit", async () => {
      const stats = (await container.stats({ stream: false })) as { pids_stats?: { current?: number } };
      const current = stats.pids_stats?.current ?? 0;
      return current >= policy.pids - 2 ? current : undefined;
    });
    expect(pids).toBeLessThanOrEqual(policy.pids);
    await container.remove({ force: true });
  }, 150_000);

  it("OOM-kills a memory hog at the memory limit", async () => {
    const container = await run("memory-hog", images["memory-hog"]);
    const state = await waitFor("the memory hog to be killed", async () => {
      const info = await container.inspect();
      return info.State.Running ? undefined : info.State;
    });
    expect(state.OOMKilled).toBe(true);
    expect(state.ExitCode).toBe(137);
  }, 150_000);

  it("keeps a log flood's log within the log limit", async () => {
    const container = await run("log-flood", images["log-flood"]);
    const info = await container.inspect();
    // Sample the engine's log file until it has been rotated (it shrank): more than the limit was written, yet the
    // file never grew much past the limit.
    let largest = 0;
    let previous = 0;
    const rotated = await waitFor("the log to reach its limit and be rotated", async () => {
      const size = await stat(info.LogPath).then((s) => s.size, () => 0);
      largest = Math.max(largest, size);
      const shrank = size < previous;
      previous = size;
      return shrank ? true : undefined;
    });
    expect(rotated).toBe(true);
    expect(largest).toBeLessThanOrEqual(policy.logMiB * 1024 * 1024 * 1.25);
    await container.remove({ force: true });
  }, 150_000);

  it("kills a process that ignores SIGTERM after the stop timeout", async () => {
    const container = await run("ignore-signals", images["ignore-signals"]);
    await waitFor("the fixture to print its start line", async () => {
      const logs = (await container.logs({ stdout: true, follow: false })) as Buffer;
      return logs.includes("listening") ? true : undefined;
    });
    await container.stop({ t: 1 });
    const state = (await container.inspect()).State;
    expect(state.Running).toBe(false);
    expect(state.ExitCode).toBe(137); // SIGKILL: it did not exit on SIGTERM
  }, 150_000);
});
