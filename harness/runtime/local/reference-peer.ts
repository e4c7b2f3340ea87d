/** Where the reference peer is: `node dist/node/main.js` in the sumnet package this code belongs to. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { quoteWord } from "./command-line.js";

/** Root folder of the sumnet package (found from this file, in `harness/` or `dist/harness/`). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "sumnet") return dir;
      } catch {
        // not ours, keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the sumnet package root above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The compiled reference peer script. */
export function referencePeerScript(): string {
  return path.join(packageRoot(), "dist", "node", "main.js");
}

/** Command line that runs the reference peer with this Node. */
export function referencePeerCommand(): string {
  return `${quoteWord(process.execPath)} ${quoteWord(referencePeerScript())}`;
}
