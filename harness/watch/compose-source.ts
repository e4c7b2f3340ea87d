/**
 * `sumnet watch --compose`: the peers of a running docker compose project, found through the Docker API by the labels
 * compose puts on its containers, each watched at the host port its control API (8080) is published on.
 */
import type Docker from "dockerode";
import { basename } from "node:path";
import { ADD_NUMBERS_ONLY, type NetworkDescription, type WatchSource } from "./watch-source.js";

const CONTROL_PORT = 8080;
/** The driver (which serves the dashboard) publishes 8080 too, as did the dashboard service of older files: not peers. */
const NOT_PEERS = new Set(["dashboard", "driver"]);

/** Compose's default project name: the directory name, lower-cased, without characters it does not allow. */
export function defaultProjectName(cwd = process.cwd(), env = process.env): string {
  return env.COMPOSE_PROJECT_NAME ?? basename(cwd).toLowerCase().replace(/[^-_a-z0-9]/g, "");
}

export function composeSource(project = defaultProjectName(), title?: string, docker?: Docker): WatchSource {
  let cached: { at: number; description: NetworkDescription } | undefined;
  return {
    async describe() {
      // Loaded only here, so the dashboard image (which watches by URL) carries no Docker client.
      docker ??= new (await import("dockerode")).default();
      // The set of containers rarely changes: ask the engine at most every 2 s, not on every poll.
      if (cached && Date.now() - cached.at < 2000) return cached.description;
      const containers = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
      const nodes = containers
        .map((c) => ({
          service: c.Labels["com.docker.compose.service"] ?? c.Names[0] ?? c.Id,
          running: c.State === "running",
          port: c.Ports.find((p) => p.PrivatePort === CONTROL_PORT && p.Type === "tcp" && p.PublicPort)?.PublicPort,
        }))
        .filter((c) => !NOT_PEERS.has(c.service) && c.port !== undefined)
        .sort((a, b) => a.service.localeCompare(b.service, "en", { numeric: true }));
      if (containers.length === 0) throw new Error(`no containers of compose project "${project}" (start it with docker compose up, or pass --project NAME)`);
      const description: NetworkDescription = {
        title: title ?? `compose project ${project}`,
        nodes: nodes.map((c) => ({ url: `http://127.0.0.1:${c.port}`, status: c.running ? "running" : "stopped" })),
        controls: ADD_NUMBERS_ONLY,
      };
      cached = { at: Date.now(), description };
      return description;
    },
  };
}
