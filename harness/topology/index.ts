export { line, ring, star, full, tree, grid, random, type Topology } from "./generators.js";
export { adjacency, components, isConnected, degrees, diameter } from "./graph.js";
