/**
 * Every scenario in scenarios/ passes on the docker runtime (each node a container of the reference image, every link
 * a harness relay) and then on the swarm runtime (each node a swarm service, every link a relay in the link agent of
 * its dialer's machine). One file, so the two libraries run one after the other, never at once: two 50-node scenarios
 * starting together on a 2-core machine starve each other's peers past their health timeout (seen in a CI rehearsal).
 * Needs a Docker engine (and a swarm, for the second part): each part is skipped with a printed reason without it,
 * failing instead when REQUIRE_DOCKER=1.
 */
import { DockerRuntime } from "../../harness/runtime/docker/docker-runtime.js";
import { SwarmRuntime } from "../../harness/runtime/swarm/swarm-runtime.js";
import { dockerGate, swarmGate } from "./docker-gate.js";
import { libraryOnRuntime } from "./library-suite.js";

const docker = await dockerGate("scenarios on the docker runtime");
const swarm = await swarmGate("scenarios on the swarm runtime");
libraryOnRuntime("scenarios on the docker runtime", docker, "docker", (image) => new DockerRuntime({ image }));
libraryOnRuntime("scenarios on the swarm runtime", swarm, "swarm", (image) => new SwarmRuntime({ image }));
