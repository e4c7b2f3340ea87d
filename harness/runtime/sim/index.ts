export { SimRuntime } from "./sim-runtime.js";
export { SimNetwork, BASE_LATENCY_MS, RETRANSMIT_MS, RELAY_HOLD_MS, frameBytes } from "./sim-network.js";
export { SimNode, type AddedNumbers } from "./sim-node.js";
export { VirtualClock, MAX_EVENTS_PER_INSTANT, type ScheduledEvent } from "./virtual-clock.js";
