/**
 * The link agent's entry (bundled into dist/agent/sumnet-agent.mjs, run by docker/agent.Dockerfile as a global swarm
 * service). Configured by its environment only:
 *
 *   AGENT_PORT     port of the API (default 9900; 0: any free port, logged)
 *   AGENT_TOKEN    first segment of every route (required; 16 to 128 URL-safe characters)
 *   SUMNET_RUN     the run whose containers and volumes it may touch (required)
 *   DOCKER_SOCKET  the engine's unix socket (default /var/run/docker.sock)
 *   AGENT_IMAGE    the agent's own image (runs once per DATA_DIR volume to make it writable; optional)
 *
 * SIGTERM or SIGINT closes every relay and exits 0.
 */
import os from "node:os";
import { z } from "zod";
import { AGENT_NAME, AgentToken, DEFAULT_AGENT_PORT, describeIssue } from "./api.js";
import { DockerSocket } from "./docker-socket.js";
import { startAgentServer } from "./server.js";

const Environment = z.object({
  AGENT_PORT: z
    .string()
    .regex(/^[0-9]{1,5}$/, { error: "must be a port number (0 to 65535)" })
    .transform(Number)
    .pipe(z.number().max(65535, { error: "must be a port number (0 to 65535)" }))
    .default(DEFAULT_AGENT_PORT),
  AGENT_TOKEN: z.string({ error: "is required: the token every route starts with" }).pipe(AgentToken),
  SUMNET_RUN: z.string({ error: "is required: the run id (sumnet.run label) of this agent" }).min(1, { error: "must not be empty" }),
  DOCKER_SOCKET: z.string().min(1).default("/var/run/docker.sock"),
  AGENT_IMAGE: z.string().min(1).optional(),
});

/** Docker's default weight is 1024. */
const AGENT_CPU_SHARES = 10 * 1024;

const log = (line: string): void => console.log(`${new Date().toISOString()} ${AGENT_NAME} ${line}`);

async function main(): Promise<void> {
  const parsed = Environment.safeParse(process.env);
  if (!parsed.success) {
    console.error(`${AGENT_NAME}: ${describeIssue(parsed.error, "environment")}`);
    process.exit(2);
  }
  const env = parsed.data;
  const docker = new DockerSocket(env.DOCKER_SOCKET);
  // Its container's id is its host name (docker's default). Ten times the default weight: 200 nodes starting at once
  // on 2 cores made the agent answer the harness in 20 s and more. Best effort: without it the agent still works.
  await docker.setCpuShares(os.hostname(), AGENT_CPU_SHARES).then(
    () => log(`cpu weight raised to ${AGENT_CPU_SHARES} shares`),
    (error: Error) => log(`cpu weight not raised: ${error.message}`),
  );
  const server = await startAgentServer({
    port: env.AGENT_PORT,
    token: env.AGENT_TOKEN,
    runId: env.SUMNET_RUN,
    docker,
    ...(env.AGENT_IMAGE ? { image: env.AGENT_IMAGE } : {}),
    log,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      (error: Error) => {
        log(`closing failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: Error) => {
  console.error(`${AGENT_NAME}: ${error.message}`);
  process.exit(1);
});
