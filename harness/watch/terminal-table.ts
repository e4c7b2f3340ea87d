/**
 * The terminal view of a network: one row per node (node, total, count, links up/total, agree or lag). Pure: a view
 * in, text out; colour only when asked (the caller decides from NO_COLOR and whether stdout is a terminal).
 */
import { Chalk } from "chalk";
import type { NetworkView, ViewNode } from "./network-view.js";

export interface TableOptions {
  color: boolean;
  /** Totals longer than this are shortened in the middle (they may have 1000 digits). Default 24. */
  totalWidth?: number;
}

export function shortenTotal(total: string, width: number): string {
  if (total.length <= width) return total;
  const keep = Math.max(2, Math.floor((width - 1) / 2));
  return `${total.slice(0, keep)}…${total.slice(-keep)}`;
}

function nodeName(node: ViewNode): string {
  return node.id ?? node.url.replace(/^https?:\/\//, "");
}

function stateText(node: ViewNode): string {
  switch (node.status) {
    case "agree":
      return "agree";
    case "lag":
      return `lag (${node.missing} missing)`;
    case "differs":
      return "differs";
    case "unreachable":
      return node.note ? `no answer: ${node.note}` : "no answer";
  }
}

/** One line saying whether the network agrees, e.g. "all 5 nodes agree: total 15, 5 numbers". */
export function agreementLine(view: NetworkView, totalWidth = 24): string {
  const a = view.agreement;
  if (a.reachable === 0) return a.nodes === 0 ? "no nodes to watch" : `none of ${a.nodes} nodes answers`;
  const total = shortenTotal(a.total ?? "?", totalWidth);
  if (a.sides > 1) {
    const within = view.nodes.filter((n) => n.status === "agree").length;
    return `partitioned into ${a.sides} sides: ${a.sidesAgree ? "each side agrees within itself" : `${within} of ${a.nodes} nodes agree with their side`}`;
  }
  if (a.agree) {
    const stopped = a.nodes - a.reachable;
    return `all ${a.reachable} nodes agree${stopped ? ` (${stopped} stopped)` : ""}: total ${total}, ${a.count} numbers`;
  }
  const lagging = view.nodes.filter((n) => n.status === "lag").length;
  const differing = view.nodes.filter((n) => n.status === "differs").length;
  const silent = a.nodes - a.reachable;
  const parts = [`${a.agreeing} of ${a.nodes} nodes agree on total ${total} (${a.count} numbers)`];
  if (lagging) parts.push(`${lagging} lagging`);
  if (differing) parts.push(`${differing} differing`);
  if (silent) parts.push(`${silent} not answering`);
  return parts.join(", ");
}

export function renderTerminalTable(view: NetworkView, options: TableOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const width = options.totalWidth ?? 24;
  const header = ["node", "total", "count", "links", "state"];
  const rows = view.nodes.map((node) => [
    nodeName(node),
    node.total === null ? "?" : shortenTotal(node.total, width),
    node.count === null ? "?" : String(node.count),
    node.linksTotal === null ? "-" : `${node.linksUp}/${node.linksTotal}`,
    stateText(node),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const rightAligned = new Set([1, 2, 3]);
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ");
  const paint = (node: ViewNode, line: string) => {
    switch (node.status) {
      case "agree":
        return line;
      case "lag":
        return c.yellow(line);
      case "differs":
        return c.red(line);
      case "unreachable":
        return c.dim(line);
    }
  };
  const headline = agreementLine(view, width);
  const lines = [
    `${c.bold(view.title)}${view.step ? ` - step ${view.step.index + 1}/${view.step.count}: ${view.step.label}` : ""}`,
    view.agreement.agree || (view.agreement.sides > 1 && view.agreement.sidesAgree) ? c.green(headline) : c.yellow(headline),
  ];
  if (view.sourceError) lines.push(c.red(view.sourceError));
  lines.push(c.dim(format(header)));
  view.nodes.forEach((node, i) => lines.push(paint(node, format(rows[i]!))));
  const down = view.edges.filter((e) => e.state === "down");
  const known = view.edges.filter((e) => e.fps !== null);
  const fps = known.reduce((sum, e) => sum + (e.fps ?? 0), 0);
  const byKey = new Map(view.nodes.map((n) => [n.key, nodeName(n)]));
  let linkLine = `links: ${view.edges.length - down.length} up, ${down.length} down`;
  if (down.length > 0) linkLine += ` (${down.map((e) => `${byKey.get(e.a)}-${byKey.get(e.b)}${e.cut ? " cut" : ""}`).join(", ")})`;
  if (known.length > 0) linkLine += `; ${Math.round(fps)} frames/s in all`;
  lines.push(down.length ? c.red(linkLine) : c.dim(linkLine));
  return lines.join("\n");
}
