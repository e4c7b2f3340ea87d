#!/usr/bin/env node
// Bundles the link agent (harness/runtime/swarm/agent/main.ts) into one file that runs on a bare Node 20:
// dist/agent/sumnet-agent.mjs, copied into the agent image by docker/agent.Dockerfile.
//   node docker/bundle-agent.mjs [--outfile PATH]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outfile: { type: "string" } } });
const outfile = path.resolve(values.outfile ?? path.join(root, "dist/agent/sumnet-agent.mjs"));

await build({
  entryPoints: [path.join(root, "harness/runtime/swarm/agent/main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // As the peer's bundle (Dockerfile): CommonJS dependencies that call require() work inside an ES module.
  banner: { js: "import { createRequire as __sumnetCreateRequire } from 'node:module'; const require = __sumnetCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
console.log(`bundle-agent: wrote ${outfile}`);
