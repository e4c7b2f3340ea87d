/**
 * `npm run bench:docker`: how fast the docker runtime brings a network up and tears it down, against docker compose
 * doing the same with the same containers, in the same run.
 *
 * For N in 10 and 50 (override: BENCH_SIZES=10,50), REPS times each (BENCH_REPS, default 3), alternating:
 *  - sumnet: `sumnet run --runtime docker` on a generated scenario (a line of N nodes, inject one number, one
 *    `expect`), as a child process; "healthy" is when its console reporter prints the start step (the runtime's
 *    start() resolved: every node answered GET /health), "torn down" is when the process has exited (containers,
 *    relays and network removed);
 *  - compose: a generated compose file with the same N peers, same image, same line (PEERS by service name);
 *    `docker-compose up -d`, then the same /health polling from the host, then `docker-compose down`.
 * Both use the reference image (built first if missing; NODE_IMAGE as for the Dockerfile) and no published ports.
 * Prints a Markdown table with medians (and every sample) for BENCHMARKS.md.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import Docker from "dockerode";
import { ensureReferenceImage, packageRoot } from "../harness/runtime/docker/index.js";

const run = promisify(execFile);
const root = packageRoot();
const cli = path.join(root, "dist/harness/cli/main.js");
const sizes = (process.env.BENCH_SIZES ?? "10,50").split(",").map(Number);
const reps = Number(process.env.BENCH_REPS ?? 3);
const compose = process.env.BENCH_COMPOSE ?? "docker-compose";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(2);

async function scenarioFile(dir: string, n: number): Promise<string> {
  const text = [
    `name: bench-line-${n}`,
    `topology: {type: line, nodes: ${n}}`,
    // The machine may be busy: the benchmark measures how long a start takes, it must not give up on it.
    `defaults: {healthTimeout: 600s, expectTimeout: 300s}`,
    `steps:`,
    `  - inject: {at: n1, values: [1]}`,
    `  - expect: {total: 1}`,
    ``,
  ].join("\n");
  const file = path.join(dir, `bench-line-${n}.yaml`);
  await writeFile(file, text);
  return file;
}

interface Sample {
  readonly healthyMs: number;
  readonly teardownMs: number;
}

/**
 * The real CLI as a child process. The console reporter prints the start step's line the moment the runtime's
 * start() resolved (every node answered GET /health); the process exits after the network was removed.
 */
async function benchSumnet(image: string, scenario: string, dir: string): Promise<Sample> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [cli, "run", "--runtime", "docker", "--image", image, "--results", dir, "--keep-logs", "never", scenario],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
  );
  let output = "";
  let healthyAt: number | undefined;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    if (healthyAt === undefined && /start \d+ nodes?, \d+ links? \(docker\)/.test(output)) healthyAt = performance.now();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  const exited = performance.now();
  if (code !== 0 || healthyAt === undefined) throw new Error(`sumnet run exited ${code}:\n${output}`);
  return { healthyMs: healthyAt - started, teardownMs: exited - started };
}

async function composeFile(dir: string, n: number, image: string): Promise<string> {
  const lines = ["services:"];
  for (let i = 1; i <= n; i++) {
    lines.push(
      `  n${i}:`,
      `    image: ${image}`,
      `    environment: { NODE_ID: n${i}, PEERS: "${i > 1 ? `n${i - 1}:7000` : ""}", NUMBERS: "${i === 1 ? "1" : ""}" }`,
    );
  }
  const file = path.join(dir, `compose-${n}.yml`);
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

async function waitHealthy(urls: string[]): Promise<void> {
  await Promise.all(
    urls.map(async (url) => {
      for (let pause = 50; ; pause = Math.min(250, pause * 2)) {
        try {
          const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
          await response.arrayBuffer();
          if (response.status === 200) return;
        } catch {
          // not yet
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }),
  );
}

async function benchCompose(docker: Docker, file: string, project: string): Promise<Sample> {
  const started = performance.now();
  await run(compose, ["-f", file, "-p", project, "up", "-d"], { maxBuffer: 16 << 20 });
  const containers = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
  const urls = containers.map((c) => {
    const ip = Object.values(c.NetworkSettings.Networks)[0]?.IPAddress;
    return `http://${ip}:8080`;
  });
  await waitHealthy(urls);
  const healthy = performance.now();
  await run(compose, ["-f", file, "-p", project, "down"], { maxBuffer: 16 << 20 });
  return { healthyMs: healthy - started, teardownMs: performance.now() - started };
}

async function main(): Promise<void> {
  const docker = new Docker();
  const image = await ensureReferenceImage({ log: (line) => console.error(line) });
  const dir = await mkdtemp(path.join(os.tmpdir(), "sumnet-bench-docker-"));
  const { stdout: composeVersion } = await run(compose, ["version", "--short"]).catch(() => ({ stdout: "?" }));
  const { stdout: engine } = await run("docker", ["version", "--format", "{{.Server.Version}}"]).catch(() => ({ stdout: "?" }));
  console.error(`image ${image}, engine ${engine.trim()}, ${compose} ${composeVersion.trim()}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const rows: string[] = [];
  try {
    for (const n of sizes) {
      const scenario = await scenarioFile(dir, n);
      const file = await composeFile(dir, n, image);
      const harness: Sample[] = [];
      const composed: Sample[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const h = await benchSumnet(image, scenario, dir);
        harness.push(h);
        console.error(`N=${n} rep ${rep + 1} sumnet:  healthy ${seconds(h.healthyMs)} s, torn down ${seconds(h.teardownMs)} s`);
        const c = await benchCompose(docker, file, `sumnetbench${n}r${rep}`);
        composed.push(c);
        console.error(`N=${n} rep ${rep + 1} compose: healthy ${seconds(c.healthyMs)} s, torn down ${seconds(c.teardownMs)} s`);
      }
      const fmt = (xs: number[]): string => `${seconds(median(xs))} s (${xs.map(seconds).join(", ")})`;
      rows.push(
        `| ${n} | sumnet run --runtime docker | ${fmt(harness.map((s) => s.healthyMs))} | ${fmt(harness.map((s) => s.teardownMs))} |`,
        `| ${n} | ${compose} up -d + health wait + down | ${fmt(composed.map((s) => s.healthyMs))} | ${fmt(composed.map((s) => s.teardownMs))} |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log("| containers | how | start -> all healthy, median (samples) | start -> torn down, median (samples) |");
  console.log("| --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
}

await main();
