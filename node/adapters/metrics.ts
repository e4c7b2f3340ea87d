/** The peer's counters, and their rendering in Prometheus' text exposition format (version 0.0.4). */
import type { RejectReason } from "../wire/frames.js";

export class PeerMetrics {
  framesSent = 0;
  framesReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  readonly framesRejected = new Map<RejectReason | "handshake" | "protocol", number>();
  conflicts = 0;
  numbersInjected = 0;
  httpRequests = 0;
  /** Numbers that came in on legacy p2pnetwork links, and frames there that were not numbers. */
  legacyNumbers = 0;
  legacyFramesIgnored = 0;

  reject(reason: RejectReason | "handshake" | "protocol"): void {
    this.framesRejected.set(reason, (this.framesRejected.get(reason) ?? 0) + 1);
  }

  render(gauges: { node: string; linksUp: number; legacyLinksUp: number; numbersKnown: number; total: bigint }): string {
    const out: string[] = [];
    const metric = (name: string, type: "counter" | "gauge", help: string, samples: [string, number | string][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
    };
    metric("sumnet_frames_sent_total", "counter", "Frames sent on peer links.", [["", this.framesSent]]);
    metric("sumnet_frames_received_total", "counter", "Frames received on peer links.", [["", this.framesReceived]]);
    metric("sumnet_bytes_sent_total", "counter", "Bytes sent on peer links, handshakes included.", [["", this.bytesSent]]);
    metric("sumnet_bytes_received_total", "counter", "Bytes received on peer links, handshakes included.", [
      ["", this.bytesReceived],
    ]);
    const reasons = ["oversize", "utf8", "json", "unknown_type", "schema", "handshake", "protocol"] as const;
    metric(
      "sumnet_frames_rejected_total",
      "counter",
      "Frames or handshakes rejected; each closed its link.",
      reasons.map((r) => [`{reason="${r}"}`, this.framesRejected.get(r) ?? 0]),
    );
    metric("sumnet_conflicts_total", "counter", "Numbers received with a known identity but another value (ignored).", [
      ["", this.conflicts],
    ]);
    metric("sumnet_numbers_injected_total", "counter", "Numbers accepted by this peer's control API.", [
      ["", this.numbersInjected],
    ]);
    metric("sumnet_legacy_numbers_total", "counter", "Numbers added from frames on legacy p2pnetwork links.", [
      ["", this.legacyNumbers],
    ]);
    metric(
      "sumnet_legacy_frames_ignored_total",
      "counter",
      "Frames on legacy p2pnetwork links that were not an integer (ignored; the link stays open).",
      [["", this.legacyFramesIgnored]],
    );
    metric("sumnet_links_up", "gauge", "Peer links with a completed handshake (legacy links included).", [
      ["", gauges.linksUp],
    ]);
    metric("sumnet_legacy_links_up", "gauge", "Legacy p2pnetwork links up (PROTOCOL.md).", [["", gauges.legacyLinksUp]]);
    metric("sumnet_numbers_known", "gauge", "Distinct numbers this peer holds.", [["", gauges.numbersKnown]]);
    // Prometheus samples are float64: the exact total is kept in a label as well.
    metric("sumnet_total", "gauge", "Sum of all numbers this peer holds (float64; exact value in sumnet_total_exact).", [
      ["", formatFloat(gauges.total)],
    ]);
    metric("sumnet_total_exact", "gauge", "Always 1; the label holds the exact total as a decimal string.", [
      [`{node="${gauges.node}",total="${gauges.total}"}`, 1],
    ]);
    return out.join("\n") + "\n";
  }
}

function formatFloat(n: bigint): string {
  const f = Number(n);
  if (Number.isFinite(f)) return String(f);
  return f > 0 ? "+Inf" : "-Inf";
}
