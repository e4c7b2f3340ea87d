import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");

describe("the dashboard image (harness/watch/Dockerfile)", () => {
  it("installs the same versions of zod, chalk and esbuild as the package lock", () => {
    const lock = JSON.parse(read("../../package-lock.json")) as { packages: Record<string, { version: string }> };
    const dockerfile = read("./Dockerfile");
    const installed = Object.fromEntries([...dockerfile.matchAll(/\b(zod|chalk|esbuild)@(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(installed).toEqual({
      zod: lock.packages["node_modules/zod"]!.version,
      chalk: lock.packages["node_modules/chalk"]!.version,
      esbuild: lock.packages["node_modules/esbuild"]!.version,
    });
  });

  it("bundles only modules that need nothing else from the package at run time", () => {
    // The image holds zod and chalk bundled; any other bare import would fail there (dockerode is loaded lazily).
    const allowed = new Set(["zod", "chalk", "dockerode"]);
    const sources = readdirSync(new URL(".", import.meta.url)).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources).toContain("main.ts");
    for (const name of sources) {
      const text = read(`./${name}`);
      for (const m of text.matchAll(/from "([^".][^"]*)"|import\("([^".][^"]*)"\)/g)) {
        const specifier = (m[1] ?? m[2])!;
        if (specifier.startsWith("node:")) continue;
        expect(allowed, `${name} imports ${specifier}`).toContain(specifier);
      }
      // The image's build context is this folder alone: only types may come from elsewhere in the harness.
      for (const m of text.matchAll(/^import (?!type )[^;]*?from "(\.\.\/[^"]*)"/gm)) {
        expect.fail(`${name} imports ${m[1]} at run time; the dashboard image cannot bundle it (use import type)`);
      }
    }
  });
});
