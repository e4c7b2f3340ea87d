/** The listeners of a started network, shared by every runtime: subscribe, and emit with each listener's bugs contained. */
import type { NetworkEvent } from "./runtime.js";

export class NetworkListeners {
  private readonly listeners = new Set<(event: NetworkEvent) => void>();

  subscribe(listener: (event: NetworkEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: NetworkEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A failing listener must not break the runtime.
      }
    }
  }
}
