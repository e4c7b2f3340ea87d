/**
 * `npm run bench:watch`: how long after a number is injected the dashboard shows it. Five reference peers in a line,
 * the dashboard (default poll interval 400 ms) and headless Chromium; each round injects one number at n1 and times
 * (a) until n5's GET /total has it (the peers' own propagation) and (b) until the page shows n5's new total.
 */
import { performance } from "node:perf_hooks";
import { startDashboard } from "../../harness/watch/dashboard-server.js";
import { nodeListSource } from "../../harness/watch/watch-source.js";
import { launchChromium } from "./browser.js";
import { inject, startLocalPeers } from "./local-peers.js";

/** The bit of the DOM the page function uses (this project's TypeScript has no DOM library). */
interface PageGlobals {
  document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };
}

const ROUNDS = Number(process.env.ROUNDS ?? 20);

async function totalOf(url: string): Promise<string> {
  const response = await fetch(`${url}/total`);
  return ((await response.json()) as { total: string }).total;
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms`;
}

await using network = await startLocalPeers(5, "line");
await using dashboard = await startDashboard({ port: 0, source: nodeListSource(network.peers.map((p) => p.url)) });
await using browser = await launchChromium();
const page = await browser.context.newPage();
await page.goto(dashboard.url);
const first = network.peers[0]!.url;
const last = network.peers[4]!.url;

const peerMs: number[] = [];
const pageMs: number[] = [];
let expected = 0n;
for (let round = 1; round <= ROUNDS; round++) {
  expected += BigInt(round);
  const want = String(expected);
  // Wait a random part of a poll interval, so rounds do not line up with the dashboard's polls.
  await new Promise((r) => setTimeout(r, 300 + Math.random() * 400));
  const t0 = performance.now();
  await inject(first, [round]);
  const shown = page.waitForFunction((w) => (globalThis as unknown as PageGlobals).document.querySelector('#nodes [data-node="n5"]')?.getAttribute("data-total") === w, want, { timeout: 10_000, polling: 10 });
  while ((await totalOf(last)) !== want) await new Promise((r) => setTimeout(r, 5));
  peerMs.push(performance.now() - t0);
  await shown;
  pageMs.push(performance.now() - t0);
}
console.log(`${ROUNDS} rounds, 5 peers in a line, dashboard poll interval 400 ms`);
console.log(`inject at n1 -> n5 GET /total has it:   ${stats(peerMs)}`);
console.log(`inject at n1 -> page shows n5's total:  ${stats(pageMs)}`);
console.log(`page behind n5's own answer:           ${stats(pageMs.map((p, i) => p - peerMs[i]!))}`);
