/** The network vocabulary: specs of nodes and links, graph questions, and the one history of a network's changes. */
export * from "./spec.js";
export * from "./history.js";
export { adjacency, components, isConnected, degrees, diameter } from "./graph.js";
export * from "./operation.js";
