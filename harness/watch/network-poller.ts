/**
 * Polls every watched node on a fixed interval and hands each resulting view to subscribers (the web dashboard's
 * Server-Sent Events, the terminal table). One poll at a time: a slow node delays the next poll, it never piles up.
 */
import { NetworkWatch, type NetworkView } from "./network-view.js";
import { readNode } from "./node-reading.js";
import { networkDescriptionSchema, type NetworkDescription, type WatchSource } from "./watch-source.js";

export interface PollerOptions {
  /** Time between the starts of two polls. Default 400 ms, so the page updates within a second. */
  intervalMs?: number;
  /** How long one node may take to answer one request. Default: the interval, at least 250 ms. */
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
  latest: NetworkView | undefined;

  constructor(private readonly source: WatchSource, options: PollerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 400;
    this.requestTimeoutMs = options.requestTimeoutMs ?? Math.max(250, this.intervalMs);
  }

  /** Starts polling; resolves after the first poll, so `latest` is set. */
  async start(): Promise<NetworkView> {
    await this.tick();
    return this.latest!;
  }

  subscribe(listener: ViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One poll now (also used by `sumnet watch --once`). */
  async pollOnce(): Promise<NetworkView> {
    let sourceError: string | null = null;
    try {
      const described = networkDescriptionSchema.safeParse(await this.source.describe());
      if (described.success) this.description = described.data;
      else sourceError = `watch source gave an invalid description: ${described.error.issues[0]?.path.join(".")}: ${described.error.issues[0]?.message}`;
    } catch (error) {
      sourceError = `watch source failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    const readings = await Promise.all(this.description.nodes.map((n) => readNode(n.url, this.requestTimeoutMs)));
    const view = this.watch.observe(this.description, readings, Date.now(), sourceError);
    this.latest = view;
    return view;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    this.running = (async () => {
      const view = await this.pollOnce();
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
    const wait = Math.max(0, this.intervalMs - (Date.now() - started));
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
