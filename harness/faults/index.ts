export {
  LINK_DIRECTIONS,
  LinkRelay,
  type DirectionStats,
  type LinkDirection,
  type LinkRelayOptions,
  type RelayStats,
  type RelayTarget,
} from "./link-relay.js";
