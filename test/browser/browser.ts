/**
 * Headless Chromium (Debian package `chromium`) for the browser tests, driven by playwright-core. Missing Chromium
 * skips those tests with a printed reason, unless REQUIRE_BROWSER=1 (CI), which makes them fail instead.
 */
import { existsSync, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const browserRequired = process.env.REQUIRE_BROWSER === "1";
export const browserAvailable = existsSync(CHROMIUM);
/** Run the browser suite when Chromium is there, or when it is required (so that its absence fails). */
export const skipBrowserTests = !browserAvailable && !browserRequired;
if (skipBrowserTests) {
  console.log(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium; REQUIRE_BROWSER=1 makes this a failure)`);
}

export const SCREENSHOTS = fileURLToPath(new URL("../../results/screenshots/", import.meta.url));

export interface Browser extends AsyncDisposable {
  context: BrowserContext;
}

/** A fresh profile in a temporary folder, removed again on dispose. */
export async function launchChromium(): Promise<Browser> {
  if (!browserAvailable) throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "sumnet-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async [Symbol.asyncDispose]() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
