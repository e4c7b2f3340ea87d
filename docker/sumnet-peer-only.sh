#!/bin/sh
# `sumnet` inside the peer image. The image carries only the reference peer (bundled in /app/peer.mjs), so `peer` is
# its one command; the harness (`sumnet run`, `grade`, `watch`, ...) runs on the host from the npm package.
case "${1:-}" in
  peer)
    shift
    case "${1:-}" in
      -h|--help)
        echo "Usage: sumnet peer"
        echo "Runs the reference peer, configured only by environment variables:"
        echo "  NODE_ID, P2P_HOST, P2P_PORT, PEERS, HTTP_PORT, DATA_DIR, NUMBERS, LOG_FORMAT, BATCH_MS, SYNC_INTERVAL_MS"
        echo "Exit codes: 0 after SIGTERM/SIGINT, 1 cannot start, 2 invalid configuration."
        exit 0
        ;;
      "") exec node /app/peer.mjs ;;
      *) echo "sumnet peer: takes no arguments (got '$1'); configure it with environment variables" >&2; exit 2 ;;
    esac
    ;;
  -h|--help|"")
    echo "Usage: sumnet peer    (this image runs only the peer; see sumnet --help on the host for the rest)"
    exit 0
    ;;
  *)
    echo "sumnet: this image runs only 'sumnet peer', not '$1'" >&2
    exit 2
    ;;
esac
