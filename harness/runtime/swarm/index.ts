/** The swarm runtime: every node a Docker Swarm service, every link a relay in the link agent of its dialer's machine. */
export { SwarmRuntime, createSwarmRuntime, type SwarmRuntimeOptions, type StartedSwarmNetwork } from "./swarm-runtime.js";
export { SwarmHost } from "./swarm-host.js";
export { swarmAvailability, readyMachines, type Machine, type SwarmAvailability } from "./swarm-engine.js";
export { removeSwarmRun } from "./swarm-cleanup.js";
