/**
 * The few Docker Engine API calls the link agent makes, over the engine's unix socket with plain node:http: the agent
 * is bundled into one file and carries no Docker library. Paths are unversioned, so any engine from API 1.24 on
 * answers. The engine's answers are parsed with zod like any other input.
 */
import http from "node:http";
import { z } from "zod";
import type { ContainerOutcome, VolumeRemoval } from "./api.js";
import { freezeWithRetry } from "../../freeze.js";

/** What the agent needs of the engine (a fake in tests). */
export interface DockerSocketLike {
  /** SIGTERM, then SIGKILL after `seconds`; a container that is gone or already stopped counts as done. */
  stopContainer(id: string, seconds: number): Promise<ContainerOutcome>;
  /** SIGKILL; a container that is gone or not running counts as done. */
  killContainer(id: string): Promise<ContainerOutcome>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  /** The container's labels; undefined when it does not exist. */
  containerLabels(id: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** Removes every volume matching `labelFilter` (`key=value`); one in use is reported in `failed`. */
  removeVolumes(labelFilter: string): Promise<VolumeRemoval>;
  /**
   * Creates the volume with `labels` (or keeps it) and makes its root writable by any user, with a one-off container
   * of `image` (labelled too): a peer image's own user, whoever it is, can write its DATA_DIR.
   */
  prepareVolume(name: string, labels: Readonly<Record<string, string>>, image: string): Promise<void>;
}

/** The engine answered with an error status (`status`), or did not answer (`status` undefined). */
export class DockerEngineError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "DockerEngineError";
  }
}

interface EngineAnswer {
  readonly status: number;
  readonly body: string;
}

const EngineMessage = z.object({ message: z.string() });
const ContainerInspect = z.object({ Config: z.object({ Labels: z.record(z.string(), z.string()).nullish() }) });
const VolumeList = z.object({ Volumes: z.array(z.object({ Name: z.string() })).nullish() });
const Created = z.object({ Id: z.string() });
const Waited = z.object({ StatusCode: z.number() });

/** Engine answers are small JSON documents; a runaway one is cut off rather than held in memory. */
const MAX_ENGINE_ANSWER_BYTES = 4 * 1024 * 1024;

export class DockerSocket implements DockerSocketLike {
  constructor(
    readonly socketPath = "/var/run/docker.sock",
    /** Time for a call that does not wait for a container (stop adds its grace time). */
    private readonly timeoutMs = 30_000,
  ) {}

  async stopContainer(id: string, seconds: number): Promise<ContainerOutcome> {
    const answer = await this.call("POST", `/containers/${encodeURIComponent(id)}/stop?t=${seconds}`, this.timeoutMs + seconds * 1000);
    if (answer.status === 404) return "gone";
    if (answer.status === 304) return "not-running";
    this.expect(answer, `stop container ${id}`);
    return "done";
  }

  async killContainer(id: string): Promise<ContainerOutcome> {
    const answer = await this.call("POST", `/containers/${encodeURIComponent(id)}/kill`);
    if (answer.status === 404) return "gone";
    // 409: "Container ... is not running".
    if (answer.status === 409) return "not-running";
    this.expect(answer, `kill container ${id}`);
    return "done";
  }

  async pauseContainer(id: string): Promise<void> {
    await freezeWithRetry(async () => this.expect(await this.call("POST", `/containers/${encodeURIComponent(id)}/pause`), `pause container ${id}`));
  }

  async unpauseContainer(id: string): Promise<void> {
    this.expect(await this.call("POST", `/containers/${encodeURIComponent(id)}/unpause`), `unpause container ${id}`);
  }

  async containerLabels(id: string): Promise<Readonly<Record<string, string>> | undefined> {
    const what = `inspect container ${id}`;
    const answer = await this.call("GET", `/containers/${encodeURIComponent(id)}/json`);
    if (answer.status === 404) return undefined;
    this.expect(answer, what);
    return this.parse(ContainerInspect, answer, what).Config.Labels ?? {};
  }

  async removeVolumes(labelFilter: string): Promise<VolumeRemoval> {
    const what = `list volumes labelled ${labelFilter}`;
    const answer = await this.call("GET", `/volumes?filters=${encodeURIComponent(JSON.stringify({ label: [labelFilter] }))}`);
    this.expect(answer, what);
    const names = (this.parse(VolumeList, answer, what).Volumes ?? []).map((v) => v.Name);
    const removal: VolumeRemoval = { removed: [], failed: [] };
    for (const name of names) {
      try {
        const removed = await this.call("DELETE", `/volumes/${encodeURIComponent(name)}`);
        // 404: removed meanwhile (by another agent sharing the engine, or by hand).
        if (removed.status !== 404) this.expect(removed, `remove volume ${name}`);
        removal.removed.push(name);
      } catch (error) {
        // 409: still in use by a container; the caller decides whether to retry once the containers are gone.
        removal.failed.push({ name, error: (error as Error).message });
      }
    }
    return removal;
  }

  async prepareVolume(name: string, labels: Readonly<Record<string, string>>, image: string): Promise<void> {
    this.expect(await this.call("POST", "/volumes/create", this.timeoutMs, { Name: name, Labels: labels }), `create volume ${name}`);
    const what = `create a container to prepare volume ${name}`;
    const created = await this.call("POST", "/containers/create", this.timeoutMs, {
      Image: image,
      User: "0",
      Entrypoint: ["node", "-e", "require('node:fs').chmodSync('/volume', 0o1777)"],
      Cmd: [],
      Labels: labels,
      HostConfig: { Binds: [`${name}:/volume`], NetworkMode: "none" },
    });
    this.expect(created, what);
    const id = this.parse(Created, created, what).Id;
    try {
      this.expect(await this.call("POST", `/containers/${id}/start`), `start the container preparing volume ${name}`);
      const waited = await this.call("POST", `/containers/${id}/wait`);
      this.expect(waited, `wait for the container preparing volume ${name}`);
      const code = this.parse(Waited, waited, `wait for the container preparing volume ${name}`).StatusCode;
      if (code !== 0) throw new DockerEngineError(`preparing volume ${name} failed: chmod in ${image} exited with ${code}`);
    } finally {
      await this.call("DELETE", `/containers/${id}?force=1`).catch(() => undefined);
    }
  }

  /**
   * Raises a container's CPU weight (Engine API container update). The agent gives itself a large one: on a machine
   * where hundreds of nodes start at once it must still answer the harness, and a swarm task cannot ask for a weight.
   */
  async setCpuShares(id: string, shares: number): Promise<void> {
    this.expect(await this.call("POST", `/containers/${encodeURIComponent(id)}/update`, this.timeoutMs, { CpuShares: shares }), `update container ${id}`);
  }

  private expect(answer: EngineAnswer, what: string): void {
    if (answer.status >= 200 && answer.status < 300) return;
    const parsed = EngineMessage.safeParse(safeJson(answer.body));
    const reason = parsed.success ? parsed.data.message : answer.body.slice(0, 200);
    throw new DockerEngineError(`docker engine refused to ${what}: ${answer.status} ${reason}`, answer.status);
  }

  private parse<T>(schema: z.ZodType<T>, answer: EngineAnswer, what: string): T {
    const parsed = schema.safeParse(safeJson(answer.body));
    if (!parsed.success) throw new DockerEngineError(`docker engine answered ${what} with an unexpected body: ${answer.body.slice(0, 200)}`);
    return parsed.data;
  }

  private call(method: "GET" | "POST" | "DELETE", path: string, timeoutMs = this.timeoutMs, body?: unknown): Promise<EngineAnswer> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => reject(new DockerEngineError(`docker engine at ${this.socketPath} did not answer ${method} ${path}: ${why}`));
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = { host: "docker", ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }) };
      const req = http.request({ socketPath: this.socketPath, method, path, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ENGINE_ANSWER_BYTES) return req.destroy(new Error(`answer over ${MAX_ENGINE_ANSWER_BYTES} bytes`));
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (error) => fail(error.message));
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
      req.end(payload);
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
