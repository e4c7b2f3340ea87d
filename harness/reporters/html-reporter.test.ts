import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../dist/harness/cli/main.js", import.meta.url));
const SCENARIO = fileURLToPath(new URL("../../scenarios/01-line-basic.yaml", import.meta.url));

describe("sumnet run writes the HTML results page", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("to --html FILE, with a convergence timeline per expect step; by default into the results folder", async () => {
    dir = await mkdtemp(join(tmpdir(), "sumnet-html-"));
    const page = join(dir, "page.html");
    const { stderr } = await run(process.execPath, [CLI, "run", SCENARIO, "--html", page], { cwd: dir, timeout: 120_000 });
    expect(stderr).toContain(`results page: ${page}`);
    const html = await readFile(page, "utf8");
    expect(html).toContain("1 scenario: 1 passed, 0 failed");
    expect(html).toMatch(/<svg class="timeline"/);
    expect(html).toMatch(/all 5 nodes as expected after \d+\.\d\d s/);

    await run(process.execPath, [CLI, "run", SCENARIO, "--reporter", "json", "--results", "out"], { cwd: dir, timeout: 120_000 });
    expect(await readdir(join(dir, "out"))).toContain("results.html");
  });
});
