/**
 * Every scenario in scenarios/ passes on the docker runtime: each node a container of the reference image, every
 * link a harness relay, partitions and link faults applied outside the containers.
 * Needs a Docker engine: skipped with a printed reason without one, failing instead when REQUIRE_DOCKER=1.
 */
import { DockerRuntime } from "../../harness/runtime/docker/docker-runtime.js";
import { dockerGate } from "./docker-gate.js";
import { libraryOnRuntime } from "./library-suite.js";

const gate = await dockerGate("scenarios on the docker runtime");
libraryOnRuntime("scenarios on the docker runtime", gate, "docker", (image) => new DockerRuntime({ image }));
