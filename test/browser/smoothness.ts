/**
 * `npm run bench:dashboard`: is the page smooth at 100 nodes? 100 scripted peers (a ring with chords: 200 links), the
 * dashboard polling every 400 ms, headless Chromium at 1400x900. Side by side in one run, alternating: links that
 * carry frames, with the page's default of moving dots on the 40 busiest links, with dots on all 200 (`?dots=200`) and
 * with none (`?dots=0`); and quiet links (no dots). For 5 s each, the page counts its animation frames
 * (requestAnimationFrame) and the longest gap between two, while views keep arriving.
 */
import { performance } from "node:perf_hooks";
import { startDashboard } from "../../harness/watch/dashboard-server.js";
import type { LinkReport } from "../../harness/watch/node-reading.js";
import { nodeListSource } from "../../harness/watch/watch-source.js";
import { launchChromium } from "./browser.js";
import { startScriptedPeers, type ScriptedState } from "./scripted-peers.js";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WINDOW_MS = 5000;
const N = 100;

interface Frames {
  frames: number;
  longestGapMs: number;
}

/** The bit of the browser the page function uses (this project's TypeScript has no DOM library). */
interface PageGlobals {
  document: { querySelectorAll(selector: string): { length: number } };
}

const id = (i: number): string => `n${((i % N) + N) % N + 1}`;
const links: LinkReport[][] = Array.from({ length: N }, () => []);
for (let i = 0; i < N; i++) {
  for (const j of [i + 1, i + 7].map((k) => ((k % N) + N) % N)) {
    links[i]!.push({ peer: id(j), address: `127.0.0.1:${7000 + j}`, direction: "out", state: "up", framesSent: 0, framesReceived: 0 });
    links[j]!.push({ peer: id(i), address: `127.0.0.1:${40000 + i}`, direction: "in", state: "up", framesSent: 0, framesReceived: 0 });
  }
}
const states: ScriptedState[] = Array.from({ length: N }, (_, i) => ({ node: id(i), total: "100", count: 10, links: links[i]! }));

let flowing = false;
// Every link's counters grow while flowing (about 25 frames/s each way, a busy network); frozen otherwise.
const ticker = setInterval(() => {
  if (!flowing) return;
  for (const list of links) for (const l of list) l.framesSent = (l.framesSent ?? 0) + 5;
}, 200);

try {
  await using peers = await startScriptedPeers(states);
  await using dashboard = await startDashboard({ port: 0, source: nodeListSource(peers.urls, "100 scripted nodes") });
  await using browser = await launchChromium();
  const page = await browser.context.newPage();
  const open = async (dots: number | undefined): Promise<void> => {
    await page.goto(dots === undefined ? dashboard.url : `${dashboard.url}?dots=${dots}`);
    await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelectorAll("#nodes [data-node]").length === n, N, { timeout: 20_000 });
  };

  // Sent as text: tsx would wrap named functions of a page function in a helper the page does not have.
  const measure = (): Promise<Frames> =>
    page.evaluate(`new Promise((resolve) => {
      let frames = 0, last, start, longest = 0;
      const tick = (t) => {
        if (start === undefined) start = t;
        if (last !== undefined) longest = Math.max(longest, t - last);
        last = t;
        frames++;
        if (t - start < ${WINDOW_MS}) requestAnimationFrame(tick);
        else resolve({ frames: (frames * 1000) / (t - start), longestGapMs: Math.round(longest) });
      };
      requestAnimationFrame(tick);
    })`) as Promise<Frames>;
  const dots = (): Promise<number> => page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelectorAll("#traffic circle").length);

  const rows: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [condition, dotsParam] of [["traffic", undefined], ["traffic, ?dots=200", 200], ["traffic, ?dots=0", 0], ["quiet", undefined]] as const) {
      flowing = condition !== "quiet";
      await open(dotsParam);
      // Let the page's 2 s frames-per-second window follow the change before measuring.
      const settle = performance.now();
      while (performance.now() - settle < 3000) await new Promise((r) => setTimeout(r, 100));
      const shown = await dots();
      const f = await measure();
      rows.push(`| ${round} | ${condition} | ${shown} | ${f.frames.toFixed(1)} | ${f.longestGapMs} |`);
      process.stderr.write(`round ${round} ${condition}: ${shown} dots, ${f.frames.toFixed(1)} frames/s, longest gap ${f.longestGapMs} ms\n`);
    }
  }
  console.log(`| round | links | dots drawn | animation frames/s | longest gap between frames (ms) |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  for (const row of rows) console.log(row);
} finally {
  clearInterval(ticker);
}
