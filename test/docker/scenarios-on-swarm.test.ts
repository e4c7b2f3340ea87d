/**
 * Every scenario in scenarios/ passes on the swarm runtime: each node a swarm service of the reference image, every
 * link a relay in the link agent of its dialer's machine, faults applied there. Needs a Docker engine that manages a
 * swarm (`.ci/run` makes a one-machine swarm): skipped with a printed reason without one, failing instead when
 * REQUIRE_DOCKER=1.
 */
import { SwarmRuntime } from "../../harness/runtime/swarm/swarm-runtime.js";
import { swarmGate } from "./docker-gate.js";
import { libraryOnRuntime } from "./library-suite.js";

const gate = await swarmGate("scenarios on the swarm runtime");
libraryOnRuntime("scenarios on the swarm runtime", gate, "swarm", (image) => new SwarmRuntime({ image }));
