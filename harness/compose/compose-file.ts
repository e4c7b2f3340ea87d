/**
 * `sumnet compose`: a scenario's network as a compose project. Every node is a peer service with the environment the
 * harness would give it (runtime/node-environment.ts: NODE_ID, PEERS through the driver's relays, NUMBERS, DATA_DIR on
 * a named volume, the scenario's variables); the `dashboard` service watches every peer; the `driver` service is the
 * harness in a container, playing the scenario's steps against the peers (`sumnet drive --compose`, drive.ts).
 *
 * The file uses only what docker-compose 1.29 and `docker compose` v2 both accept: the Compose Specification without
 * `version:`, services with build/image/command/environment/ports/volumes, named volumes. `$` is doubled everywhere
 * except in the `${NODE_IMAGE:-...}` build argument, so that neither tool interpolates a scenario's text.
 */
import { Document } from "yaml";
import { z } from "zod";
import { linkKey } from "../network/spec.js";
import { nodeEnvironment } from "../runtime/node-environment.js";
import type { ScenarioPlan } from "../scenario/plan.js";
import {
  DASHBOARD_HOST_PORT,
  dataVolume,
  DRIVER_DATA_ROOT,
  DRIVER_SERVICE,
  PEER_DATA_DIR,
  PEER_HTTP_PORT,
  peerPlacement,
  relayAddress,
  relayPorts,
  RESERVED_SERVICES,
} from "./layout.js";

/** The base image argument every build gets (no registry: NODE_IMAGE=sumnet/node-base:20). */
export const NODE_IMAGE_ARG = "${NODE_IMAGE:-node:20-bookworm-slim}";
/** Environment variables of the driver: the scenario's text and the seed it is planned with. */
export const SCENARIO_VARIABLE = "SUMNET_SCENARIO";
export const DOCKER_SOCKET = "/var/run/docker.sock";

const buildSchema = z
  .object({ context: z.string(), dockerfile: z.string().optional(), args: z.record(z.string(), z.string()) })
  .strict();

const serviceSchema = z
  .object({
    build: buildSchema.optional(),
    image: z.string().min(1),
    restart: z.literal("no"),
    command: z.array(z.string()).optional(),
    environment: z.record(z.string(), z.string()).optional(),
    ports: z.array(z.string().regex(/^\d+:\d+$/, "HOST:CONTAINER")).optional(),
    volumes: z.array(z.string().regex(/^[^:]+:[^:]+(:ro)?$/, "SOURCE:TARGET[:ro]")).optional(),
    depends_on: z.array(z.string()).optional(),
  })
  .strict();

/** The part of the Compose Specification that `sumnet compose` writes (and reads back in its tests). */
export const composeFileSchema = z
  .object({
    services: z.record(z.string(), serviceSchema),
    volumes: z.record(z.string(), z.object({}).strict()).optional(),
  })
  .strict();
export type ComposeFile = z.infer<typeof composeFileSchema>;
export type ComposeService = z.infer<typeof serviceSchema>;

export interface ComposeOptions {
  /** The scenario's text as the driver should read it (YAML or JSON). */
  readonly scenarioText: string;
  /** How the scenario was named on the command line (for the header). */
  readonly scenarioFile: string;
  /** Image for peers that name none; default: the reference peer built from the repository (./Dockerfile). */
  readonly image?: string | undefined;
  /** The driver plays the steps again and again. */
  readonly loop: boolean;
  /** Host port of the dashboard; the peers' control APIs follow it (default 8080: peers on 8081, 8082, ...). */
  readonly hostPortBase?: number | undefined;
  /** The command line that made the file (for the header). */
  readonly commandLine: string;
}

/** Thrown for a scenario that cannot become a compose project; says why. */
export class ComposeError extends Error {
  override readonly name = "ComposeError";
}

/** Compose treats `$` as interpolation: `$$` is a literal `$`. */
export function escapeDollars(text: string): string {
  return text.replaceAll("$", () => "$$");
}

function problemsOf(plan: ScenarioPlan): string[] {
  const problems: string[] = [];
  for (const node of plan.network.nodes) {
    if (RESERVED_SERVICES.includes(node.id)) problems.push(`node id "${node.id}" is the name of a service of the project; rename the node`);
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(node.id)) problems.push(`node id "${node.id}" is not a valid compose service name (lower-case letters, digits, . _ -)`);
    if (node.command !== undefined) problems.push(`node "${node.id}" has a command (local runtime only); a compose project runs images: give it an image`);
  }
  for (const step of plan.steps) {
    if (step.action.kind === "join") {
      problems.push(`step ${step.index + 1} (${step.label}): a join adds a service while the project runs, which compose cannot do; start the node with the others`);
    }
  }
  return problems;
}

/** The compose project of a planned scenario (validated against composeFileSchema before it is returned). */
export function composeProject(plan: ScenarioPlan, options: ComposeOptions): ComposeFile {
  const problems = problemsOf(plan);
  if (problems.length > 0) throw new ComposeError(`scenario "${plan.name}" cannot be a compose project:\n  ${problems.join("\n  ")}`);
  const ports = relayPorts(plan.network.links);
  const base = options.hostPortBase ?? DASHBOARD_HOST_PORT;
  const peerBuild = { context: ".", args: { NODE_IMAGE: NODE_IMAGE_ARG } };
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, Record<string, never>> = {};
  plan.network.nodes.forEach((node, i) => {
    const peers = plan.network.links
      .filter((l) => l.from === node.id)
      .map((l) => relayAddress(ports.get(linkKey(l.from, l.to)) as number));
    const referencePeer = !node.image && !options.image;
    const environment = nodeEnvironment({ spec: node, placement: peerPlacement(node), peers, referencePeer, networkSize: plan.network.nodes.length });
    services[node.id] = {
      ...(referencePeer ? { build: peerBuild } : {}),
      image: node.image ?? options.image ?? "sumnet/peer:compose",
      restart: "no",
      environment: Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, escapeDollars(v)])),
      ports: [`${base + i + 1}:${PEER_HTTP_PORT}`],
      ...(node.dataDir ? { volumes: [`${dataVolume(node.id)}:${PEER_DATA_DIR}`] } : {}),
    };
    if (node.dataDir) volumes[dataVolume(node.id)] = {};
  });
  // The driver plays the steps and serves the dashboard of what it plays (its buttons act through the runner).
  services[DRIVER_SERVICE] = {
    build: { context: ".", dockerfile: "docker/driver.Dockerfile", args: { NODE_IMAGE: NODE_IMAGE_ARG } },
    image: "sumnet/driver:compose",
    restart: "no",
    command: ["drive", "--compose", "--seed", String(plan.seed), ...(options.loop ? ["--loop"] : []), "--dashboard-port", String(PEER_HTTP_PORT)],
    environment: { [SCENARIO_VARIABLE]: escapeDollars(options.scenarioText) },
    ports: [`${base}:${PEER_HTTP_PORT}`],
    volumes: [
      `${DOCKER_SOCKET}:${DOCKER_SOCKET}`,
      ...plan.network.nodes.filter((n) => n.dataDir).map((n) => `${dataVolume(n.id)}:${DRIVER_DATA_ROOT}/${n.id}`),
    ],
  };
  const file = { services, ...(Object.keys(volumes).length > 0 ? { volumes } : {}) };
  return composeFileSchema.parse(file);
}

/** The file's text: a header that says what it is and how to use it, then the project. */
export function composeYaml(plan: ScenarioPlan, project: ComposeFile, options: ComposeOptions): string {
  const peers = plan.network.nodes;
  const dials = plan.network.links.map((l) => `${l.from}->${l.to}`).join(", ");
  const first = peers[0];
  const base = options.hostPortBase ?? DASHBOARD_HOST_PORT;
  const header = [
    `Generated by \`${options.commandLine}\`: generate again rather than edit.`,
    ...wrap(`Scenario "${plan.name}" (${options.scenarioFile}, seed ${plan.seed})${plan.description ? `: ${plan.description.trim()}` : ""}`, 116),
    "",
    "  docker compose up --build        (or docker-compose up --build, v1.29)",
    "",
    ...wrap(`Peers and their control APIs: ${peers.map((n, i) => `${n.id} http://localhost:${base + i + 1}`).join(", ")}.`, 116),
    ...wrap(`Links (dialer->dialed): ${dials || "none"}.`, 116),
    `Dashboard: http://localhost:${base}, served by the driver: topology, totals, the step playing and its verdict; click a`,
    `node to add a number or stop/kill it, a link to cut it; hold the scenario, save the session as a scenario file.`,
    `Driver: \`docker compose logs -f ${DRIVER_SERVICE}\` shows each step of the scenario and its verdict, one line each.`,
    options.loop ? "When the steps end they start again, on a fresh network (every peer restarted, DATA_DIRs emptied)." : "When the steps end the links stay up until the project stops.",
    `Every link runs through a relay in the driver (each peer's PEERS names ${DRIVER_SERVICE}:<port>, the relay forwards to`,
    `<peer>:7000), so the scenario's partitions and latency are real; kills and restarts go through the Docker socket.`,
    ...(first ? [`Try: curl localhost:${base + 1}/total, or sumnet add 5 --node http://localhost:${base + 1}`] : []),
    "Where no registry is reachable, build a local base first and pass it through:",
    "  NODE_IMAGE=$(docker/build-base-image.sh | tail -n 1) docker compose up --build",
  ];
  // YAML 1.1 quoting: docker-compose 1.29 reads YAML 1.1, where a bare `no` is false and `8081:8080` may be a number.
  const doc = new Document(project, { aliasDuplicateObjects: false, version: "1.1" });
  doc.commentBefore = header.map((line) => ` ${line}`).join("\n");
  return doc.toString({ lineWidth: 0 });
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
