/**
 * Polls every watched node on a fixed interval and hands each resulting view to subscribers (the web dashboard's
 * Server-Sent Events, the terminal table). A slow or hung node does not hold the view back: after one interval the
 * view is made with its last answer, and it is asked again only once its request has settled (at most one request
 * per node in flight, so nothing piles up).
 */
import { performance } from "node:perf_hooks";
import { NetworkWatch, type NetworkView } from "./network-view.js";
import { readNode, type NodeReading } from "./node-reading.js";
import { networkDescriptionSchema, type NetworkDescription, type WatchSource } from "./watch-source.js";

export interface PollerOptions {
  /** Time between the starts of two polls. Default 400 ms, so the page updates within a second. */
  intervalMs?: number;
  /**
   * How long one node may take to answer one request. Default: twice the interval, at least 1500 ms: on a loaded
   * machine a healthy peer can take a second to answer, and it must not flicker to "not answering". (A node that is
   * gone refuses the connection at once; only a hung one costs the full timeout, once per poll.)
   */
  requestTimeoutMs?: number;
}

export type ViewListener = (view: NetworkView) => void;

export class NetworkPoller implements AsyncDisposable {
  private readonly watch = new NetworkWatch();
  private readonly listeners = new Set<ViewListener>();
  private readonly intervalMs: number;
  private readonly requestTimeoutMs: number;
  private description: NetworkDescription = { nodes: [] };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly inFlight = new Map<string, Promise<NodeReading>>();
  private readonly lastReading = new Map<string, NodeReading>();
  latest: NetworkView | undefined;

  constructor(private readonly source: WatchSource, options: PollerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 400;
    this.requestTimeoutMs = options.requestTimeoutMs ?? Math.max(1500, 2 * this.intervalMs);
  }

  /** Starts polling; resolves after a first, complete poll (every node answered or timed out), so `latest` is set. */
  async start(): Promise<NetworkView> {
    await this.tick(true);
    if (!this.latest) throw new Error("sumnet watch: the first poll failed (see above)");
    return this.latest;
  }

  subscribe(listener: ViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private request(url: string): Promise<NodeReading> {
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = readNode(url, this.requestTimeoutMs).then((reading) => {
        this.lastReading.set(url, reading);
        this.inFlight.delete(url);
        return reading;
      });
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  /**
   * One poll now. Without `waitMs` it waits for every node's answer (`sumnet watch --once`); with it, nodes that
   * have not answered by then are shown with their previous answer.
   */
  async pollOnce(options: { waitMs?: number } = {}): Promise<NetworkView> {
    let sourceError: string | null = null;
    try {
      const described = networkDescriptionSchema.safeParse(await this.source.describe());
      if (described.success) this.description = described.data;
      else sourceError = `watch source gave an invalid description: ${described.error.issues[0]?.path.join(".")}: ${described.error.issues[0]?.message}`;
    } catch (error) {
      sourceError = `watch source failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    const urls = this.description.nodes.map((n) => n.url);
    const all = Promise.all(urls.map((url) => this.request(url)));
    if (options.waitMs === undefined) await all;
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.waitMs)))]);
      clearTimeout(timer);
    }
    for (const url of this.lastReading.keys()) if (!urls.includes(url)) this.lastReading.delete(url);
    const readings = urls.map(
      (url) => this.lastReading.get(url) ?? { url, reachable: false as const, error: `no answer yet (waiting up to ${this.requestTimeoutMs} ms)` },
    );
    const view = this.watch.observe(this.description, readings, Date.now(), sourceError);
    this.latest = view;
    return view;
  }

  private async tick(complete = false): Promise<void> {
    if (this.stopped) return;
    const started = performance.now();
    this.running = (async () => {
      let view: NetworkView;
      try {
        view = await this.pollOnce(complete ? {} : { waitMs: this.intervalMs });
      } catch (error) {
        // A bug in making the view must not stop the watch (nor crash the process from a timer): say it, go on.
        process.stderr.write(`sumnet watch: could not make a view: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        return;
      }
      for (const listener of this.listeners) {
        try {
          listener(view);
        } catch {
          // A failing subscriber (a closed page) must not stop the others.
        }
      }
    })();
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    const wait = Math.max(0, this.intervalMs - (performance.now() - started));
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.listeners.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
