export { LinkRelay, type LinkRelayOptions, type RelayStats, type RelayTarget } from "./link-relay.js";
