import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseScenarioText } from "../scenario/load.js";
import { planScenario } from "../scenario/plan.js";
import { ComposeError, composeFileSchema, composeProject, composeYaml, type ComposeOptions } from "./compose-file.js";
import { environmentMismatch } from "./compose-host.js";

const SCENARIO = `# the cost is $5
name: small $HOME
topology: {type: line, nodes: 3}
nodes:
  n2: {numbers: [5, -7], dataDir: true, environment: {GREETING: "a $b"}}
steps:
  - inject: {at: n1, values: [1]}
  - partition: {groups: [[n1]]}
  - heal:
  - kill: n3
  - restart: n3
  - expect: {}
`;

function generate(text = SCENARIO, extra: Partial<ComposeOptions> = {}) {
  const plan = planScenario(parseScenarioText(text, "small.yaml"));
  const options: ComposeOptions = { scenarioText: text, scenarioFile: "small.yaml", loop: true, commandLine: "sumnet compose small.yaml --loop", ...extra };
  const project = composeProject(plan, options);
  return { plan, project, yaml: composeYaml(plan, project, options) };
}

describe("sumnet compose: the generated project", () => {
  it("parses back (YAML, then the compose schema) to the same project, with peers and the driver", () => {
    const { project, yaml } = generate();
    const back = composeFileSchema.parse(parse(yaml));
    expect(back).toEqual(project);
    expect(Object.keys(back.services)).toEqual(["n1", "n2", "n3", "driver"]);
    expect(back.volumes).toEqual({ "n2-data": {} });
    // docker-compose 1.29 reads YAML 1.1: a bare `no` would be the boolean false.
    expect(yaml).toContain('restart: "no"');
    expect(yaml).not.toMatch(/^version:/m);
  });

  it("gives every peer the harness's environment, its PEERS naming the driver's relays, and a published control port", () => {
    const { project } = generate();
    const { n1, n2, n3 } = project.services;
    // line: n2 dials n1 (relay 7101), n3 dials n2 (relay 7102)
    expect(n1?.environment).toMatchObject({ NODE_ID: "n1", PEERS: "", P2P_HOST: "0.0.0.0", P2P_PORT: "7000", HTTP_PORT: "8080", SYNC_INTERVAL_MS: "200" });
    expect(n2?.environment).toMatchObject({ NODE_ID: "n2", PEERS: "driver:7101", NUMBERS: "5,-7", DATA_DIR: "/sumnet-data", GREETING: "a $$b" });
    expect(n3?.environment).toMatchObject({ NODE_ID: "n3", PEERS: "driver:7102" });
    expect(n1?.environment).not.toHaveProperty("NUMBERS");
    expect(n1?.environment).not.toHaveProperty("DATA_DIR");
    expect([n1?.ports, n2?.ports, n3?.ports]).toEqual([["8081:8080"], ["8082:8080"], ["8083:8080"]]);
    expect(n2?.volumes).toEqual(["n2-data:/sumnet-data"]);
    expect(n1?.build?.args.NODE_IMAGE).toBe("${NODE_IMAGE:-node:20-bookworm-slim}");
  });

  it("gives the driver the scenario (dollars doubled), the seed, the loop, the Docker socket and the DATA_DIR volumes", () => {
    const { project, plan } = generate();
    const driver = project.services.driver;
    expect(driver?.command).toEqual(["drive", "--compose", "--seed", String(plan.seed), "--loop", "--dashboard-port", "8080"]);
    expect(driver?.environment?.SUMNET_SCENARIO).toBe(SCENARIO.replaceAll("$", "$$$$"));
    expect(driver?.volumes).toEqual(["/var/run/docker.sock:/var/run/docker.sock", "n2-data:/sumnet-data/n2"]);
    expect(driver?.build?.dockerfile).toBe("docker/driver.Dockerfile");
    expect(generate(SCENARIO, { loop: false }).project.services.driver?.command).not.toContain("--loop");
  });

  it("publishes the dashboard the driver serves on the first host port, before the peers'", () => {
    const { project, yaml } = generate();
    expect(project.services.driver?.ports).toEqual(["8080:8080"]);
    expect(generate(SCENARIO, { hostPortBase: 9000 }).project.services.driver?.ports).toEqual(["9000:8080"]);
    expect(yaml).toContain("# Dashboard: http://localhost:8080, served by the driver");
  });

  it("runs a given image instead of building the reference peer (no reference tuning then)", () => {
    const { project } = generate(SCENARIO, { image: "my/peer:1" });
    expect(project.services.n1?.image).toBe("my/peer:1");
    expect(project.services.n1?.build).toBeUndefined();
    expect(project.services.n1?.environment).not.toHaveProperty("SYNC_INTERVAL_MS");
  });

  it("refuses what compose cannot run: a join, a node named like a harness service", () => {
    const join = SCENARIO.replace("  - expect: {}", "  - join: {node: n4, links: [n3]}\n  - expect: {}");
    expect(() => generate(join)).toThrow(ComposeError);
    expect(() => generate(join)).toThrow(/join/);
    const named = "name: x\ntopology: {type: explicit, nodes: [driver, n1], links: [[n1, driver]]}\nsteps:\n  - expect: {}\n";
    expect(() => generate(named)).toThrow(/node id "driver" is the name of a service/);
  });

  it("the schema rejects what compose 1.29 would misread (a wrong fixture proves the check)", () => {
    const { project } = generate();
    const wrong = structuredClone(project) as unknown as { services: Record<string, Record<string, unknown>> };
    (wrong.services.n1 as Record<string, unknown>).restart = false;
    expect(composeFileSchema.safeParse(wrong).success).toBe(false);
    expect(composeFileSchema.safeParse({ ...project, version: "3.8" }).success).toBe(false);
  });
});

describe("compose runtime: a service's environment against the scenario's", () => {
  it("names each variable that differs or is missing", () => {
    expect(environmentMismatch(["A=1", "B=x=y", "PATH=/bin"], { A: "1", B: "x=y" })).toEqual([]);
    expect(environmentMismatch(["A=2"], { A: "1", PEERS: "driver:7101" })).toEqual(['A is "2", expected "1"', 'PEERS is unset, expected "driver:7101"']);
  });
});

describe("the repository's docker-compose.yml", () => {
  it("is what `sumnet compose scenarios/demo-living-network.yaml --loop` writes (generate it again after changing either)", async () => {
    const { readFile } = await import("node:fs/promises");
    const root = new URL("../../", import.meta.url);
    const file = "scenarios/demo-living-network.yaml";
    const text = await readFile(new URL(file, root), "utf8");
    const plan = planScenario(parseScenarioText(text, file));
    const options: ComposeOptions = { scenarioText: text, scenarioFile: file, loop: true, commandLine: `sumnet compose ${file} --loop` };
    expect(await readFile(new URL("docker-compose.yml", root), "utf8")).toBe(composeYaml(plan, composeProject(plan, options), options));
  });
});
