/** The docker runtime: peers as containers, links as harness-side relays, everything labelled and removed. */
export { DockerRuntime, createDockerRuntime, type DockerRuntimeOptions, type SignalPolicy, type StartedDockerNetwork } from "./docker-runtime.js";
export { CONTAINER_DATA_DIR, CONTAINER_HTTP_PORT, CONTAINER_P2P_PORT } from "./docker-host.js";
export { dockerClient, engineAvailability, type EngineAvailability } from "./engine.js";
export { LABEL_NETWORK, LABEL_NODE, LABEL_PID, LABEL_RUN } from "./labels.js";
export { findLeftovers, removeLeftovers, type Leftover, type RemovalResult } from "./leftovers.js";
export {
  DEFAULT_NODE_IMAGE,
  REFERENCE_IMAGE_REPOSITORY,
  ensureReferenceImage,
  packageRoot,
  referenceImageTag,
} from "./reference-image.js";
