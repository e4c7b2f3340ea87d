/**
 * DockerSocket against a real engine on /var/run/docker.sock: what the link agent does to a run's containers and
 * volumes. Skipped with a printed reason without an engine or without the base image locally (nothing is pulled).
 */
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { dockerClient, engineAvailability } from "../../docker/engine.js";
import { LABEL_RUN, newRunId } from "../../docker/labels.js";
import { nodeImageFromEnvironment } from "../../docker/reference-image.js";
import { DockerSocket } from "./docker-socket.js";

const SOCKET = "/var/run/docker.sock";

async function skipReason(): Promise<string | undefined> {
  if (process.env.DOCKER_HOST || !existsSync(SOCKET)) return `the agent talks to ${SOCKET}, and no engine listens there`;
  const engine = await engineAvailability();
  if (!engine.available) return engine.reason;
  const image = nodeImageFromEnvironment();
  const present = await (await dockerClient()).getImage(image).inspect().then(() => true, () => false);
  return present ? undefined : `the base image ${image} is not local (set NODE_IMAGE to a local one)`;
}

const reason = await skipReason();
if (reason) console.warn(`skipping DockerSocket tests: ${reason}`);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
});

describe.skipIf(reason !== undefined)("DockerSocket (the link agent's engine client)", () => {
  it("pauses, unpauses, stops and kills a labelled container; a gone one counts as stopped; volumes in use are reported", async () => {
    const docker = await dockerClient();
    const run = `agent-test-${newRunId()}`;
    const volume = `sumnet-${run}-data`;
    await docker.createVolume({ Name: volume, Labels: { [LABEL_RUN]: run } });
    cleanups.push(() => docker.getVolume(volume).remove());
    const container = await docker.createContainer({
      Image: nodeImageFromEnvironment(),
      Cmd: ["node", "-e", "setInterval(() => {}, 1000)"],
      Labels: { [LABEL_RUN]: run },
      HostConfig: { Binds: [`${volume}:/data`] },
    });
    cleanups.push(() => container.remove({ force: true }));
    await container.start();
    const engine = new DockerSocket(SOCKET);

    expect(await engine.containerLabels(container.id)).toMatchObject({ [LABEL_RUN]: run });
    await engine.pauseContainer(container.id);
    expect((await container.inspect()).State.Paused).toBe(true);
    await expect(engine.pauseContainer(container.id)).rejects.toMatchObject({ status: 409 });
    await engine.unpauseContainer(container.id);
    expect((await container.inspect()).State.Paused).toBe(false);
    expect(await engine.stopContainer(container.id, 1)).toBe("done");
    expect(await engine.stopContainer(container.id, 1)).toBe("not-running");
    expect(await engine.killContainer(container.id)).toBe("not-running");

    const inUse = await engine.removeVolumes(`${LABEL_RUN}=${run}`);
    expect(inUse.removed).toEqual([]);
    expect(inUse.failed).toEqual([{ name: volume, error: expect.stringMatching(/409 .*in use/) }]);

    await container.remove({ force: true });
    expect(await engine.containerLabels(container.id)).toBeUndefined();
    expect(await engine.stopContainer(container.id, 1)).toBe("gone");
    expect(await engine.killContainer(container.id)).toBe("gone");
    expect(await engine.removeVolumes(`${LABEL_RUN}=${run}`)).toEqual({ removed: [volume], failed: [] });
  });

  it("says which socket did not answer", async () => {
    const engine = new DockerSocket("/nonexistent/docker.sock");
    await expect(engine.containerLabels("x")).rejects.toThrow("docker engine at /nonexistent/docker.sock did not answer GET /containers/x/json: ENOENT");
  });
});
