export { line, ring, star, full, tree, grid, random, type Topology } from "./generators.js";
