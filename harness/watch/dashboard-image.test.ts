import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (rel: string): string => readFileSync(path.join(root, rel), "utf8");

/** Every source file the dashboard's bundle starts from harness/watch/main.ts reaches, and its bare imports. */
function bundleInputs(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = ["harness/watch/main.ts"];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const text = read(file);
    for (const m of text.matchAll(/^(?:import|export) (?!type )[^;]*?from "([^"]+)"|import\("([^"]+)"\)/gm)) {
      const specifier = (m[1] ?? m[2]) as string;
      if (specifier.startsWith("node:")) continue;
      if (!specifier.startsWith(".")) {
        packages.add(specifier);
        continue;
      }
      const target = path.normalize(path.join(path.dirname(file), specifier)).replace(/\.js$/, ".ts");
      expect(existsSync(path.join(root, target)), `${file} imports ${specifier}`).toBe(true);
      queue.push(target);
    }
  }
  return { files, packages };
}

describe("the dashboard image (docker/dashboard.Dockerfile)", () => {
  it("copies every folder the live view's bundle reaches, and the bundle needs no package beyond the image's", () => {
    const dockerfile = read("docker/dashboard.Dockerfile");
    const copied = [...dockerfile.matchAll(/^COPY (\w+) \.\/\w+$/gm)].map((m) => m[1]);
    const { files, packages } = bundleInputs();
    for (const file of files) expect(copied, `the image must COPY ${file.split("/")[0]}/`).toContain(file.split("/")[0]);
    // dockerode is loaded lazily (only `--compose` needs it) and left out of the bundle.
    const dependencies = Object.keys((JSON.parse(read("package.json")) as { dependencies: Record<string, string> }).dependencies);
    for (const name of packages) expect(dependencies, `${name} must be a runtime dependency`).toContain(name);
    expect(dockerfile).toContain("--external:dockerode");
  });

  it("is built from the repository root, as is the compose driver, which serves the page with its assets", () => {
    expect(read(".dockerignore")).not.toMatch(/^harness$/m);
    const compose = read("docker-compose.yml");
    expect(compose).toMatch(/driver:\n\s+build:\n\s+context: "?\."?\n\s+dockerfile: docker\/driver\.Dockerfile/);
    expect(compose).toMatch(/- --dashboard-port\n\s+- "8080"/);
    // The compiled server looks for the assets at ../../../harness/watch/static/ from dist/harness/watch/.
    expect(read("docker/driver.Dockerfile")).toContain("COPY --from=build /src/harness/watch/static /app/harness/watch/static");
  });
});
