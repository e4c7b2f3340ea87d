/**
 * A space-time diagram of a small run (as Maelstrom's messages.svg): one vertical line per node, time running down,
 * every message a line from its sender when it was sent to its receiver when it arrived (dashed and ending in a cross
 * when its connection broke first), every operation on the network a mark across the diagram. Time runs down by
 * events, not linearly: each distinct instant gets a row, so messages a millisecond apart are told apart and quiet
 * seconds take no room; the scale on the left gives the instants' times. Inline SVG, pure: a result's trace in, markup
 * out. Only runtimes that see messages (the simulator) give a trace.
 */
import type { MessageDiagram } from "../runner/result.js";
import { escapeHtml as escape } from "./escape-html.js";
const f = (v: number): string => v.toFixed(1);
const secs = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

/** Message types by colour class: what carries numbers, what repairs, what only keeps the link. */
function kindOf(type: string): string {
  if (type === "numbers") return "numbers";
  if (type === "digest" || type === "summary") return "sync";
  if (type === "ihave" || type === "graft" || type === "prune" || type === "depth") return "tree";
  return "link";
}

export const MESSAGE_DIAGRAM_STYLE = `
.messages{max-width:100%;height:auto;background:#fbfcfd;border:1px solid #eef0f3;border-radius:.3rem}
.messages .node{stroke:#c5ccd4}.messages .name,.messages .tick{font-size:11px;fill:#66727f}
.messages .m{stroke-width:1;opacity:.75}.messages .m.numbers{stroke:#3a6ea5}.messages .m.sync{stroke:#9aa4ae}
.messages .m.tree{stroke:#e07a1f}.messages .m.link{stroke:#2a9d5b}.messages .m.lost{stroke:#d62828;stroke-dasharray:3 2}
.messages .mark{stroke:#d62828;stroke-dasharray:5 4;opacity:.6}.messages .mark-label{font-size:10px;fill:#9b1c1c}
.messages .legend{font-size:10px}
`;

export function renderMessageDiagram(d: MessageDiagram): string {
  const nodes = d.nodes.length ? d.nodes : [...new Set(d.messages.flatMap((m) => [m.from, m.to]))];
  const column = new Map(nodes.map((id, i) => [id, i]));
  const endMs = Math.max(1, ...d.messages.map((m) => m.at ?? m.sentAt), ...d.marks.map((m) => m.at));
  const instants = [...new Set([0, ...d.messages.flatMap((m) => (m.at === undefined ? [m.sentAt] : [m.sentAt, m.at])), ...d.marks.map((m) => m.at)])].sort((a, b) => a - b);
  const row = new Map(instants.map((t, i) => [t, i]));
  const left = 130, right = 20, top = 54, bottom = 20;
  const pitch = Math.max(0.5, Math.min(8, 2400 / instants.length));
  const W = Math.max(480, left + right + nodes.length * 56);
  const H = top + bottom + Math.max(200, instants.length * pitch);
  const x = (id: string): number => left + ((column.get(id) ?? 0) + 0.5) * ((W - left - right) / nodes.length);
  const y = (ms: number): number => top + (row.get(ms) ?? 0) * pitch;
  const every = Math.max(1, Math.ceil(instants.length / 20));
  const counts = new Map<string, number>();
  for (const m of d.messages) counts.set(kindOf(m.type), (counts.get(kindOf(m.type)) ?? 0) + 1);
  const lost = d.messages.filter((m) => m.at === undefined).length;
  const summary =
    `${d.messages.length}${d.truncated ? " (the first; more were sent)" : ""} messages between ${nodes.length} nodes over ${secs(endMs)}: ` +
    [...counts].map(([k, n]) => `${n} ${k}`).join(", ") +
    (lost ? `; ${lost} lost when their connection broke` : "") +
    (d.marks.length ? `; ${d.marks.length} operations on the network` : "");

  const parts: string[] = [
    `<svg class="messages" viewBox="0 0 ${W} ${f(H)}" width="${W}" height="${f(H)}" role="img" aria-label="${escape(summary)}">`,
    `<title>${escape(summary)}</title>`,
  ];
  for (let i = 0; i < instants.length; i += every) {
    const t = instants[i] as number;
    parts.push(`<text class="tick" x="${left - 8}" y="${f(y(t))}" text-anchor="end" dominant-baseline="central">${secs(t)}</text>`);
  }
  for (const id of nodes) {
    parts.push(`<line class="node" x1="${f(x(id))}" x2="${f(x(id))}" y1="${top - 6}" y2="${f(H - bottom)}"/>`);
    parts.push(`<text class="name" x="${f(x(id))}" y="${top - 12}" text-anchor="middle">${escape(id)}</text>`);
  }
  for (const mark of d.marks) {
    parts.push(
      `<line class="mark" x1="${left}" x2="${W - right}" y1="${f(y(mark.at))}" y2="${f(y(mark.at))}"><title>${escape(`${secs(mark.at)}: ${mark.label}`)}</title></line>`,
      `<text class="mark-label" x="4" y="${f(y(mark.at))}" dominant-baseline="central">${escape(mark.label.length > 22 ? `${mark.label.slice(0, 21)}…` : mark.label)}</text>`,
    );
  }
  for (const m of d.messages) {
    const what = `${m.from} → ${m.to}: ${m.type}${m.numbers === undefined ? "" : ` (${m.numbers} number${m.numbers === 1 ? "" : "s"})`}, sent ${secs(m.sentAt)}`;
    const x1 = x(m.from), y1 = y(m.sentAt), x2 = x(m.to);
    if (m.at === undefined) {
      // Lost: it heads for its receiver and stops halfway, crossed out.
      const mx = (x1 + x2) / 2, my = y1 + 2 * pitch;
      parts.push(
        `<line class="m lost" x1="${f(x1)}" y1="${f(y1)}" x2="${f(mx)}" y2="${f(my)}"><title>${escape(`${what}, lost when its connection broke`)}</title></line>`,
        `<path class="m lost" d="M${f(mx - 3)},${f(my - 3)} l6,6 m0,-6 l-6,6"/>`,
      );
    } else {
      parts.push(`<line class="m ${kindOf(m.type)}" x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y(m.at))}"><title>${escape(`${what}, arrived ${secs(m.at)}`)}</title></line>`);
    }
  }
  parts.push(
    `<text class="legend" x="4" y="14"><tspan fill="#3a6ea5">numbers</tspan> · <tspan fill="#9aa4ae">digest/summary</tspan> · <tspan fill="#e07a1f">ihave/graft/prune</tspan> · <tspan fill="#2a9d5b">hello/upgrade</tspan> · <tspan fill="#d62828">lost, operations</tspan></text>`,
    `</svg>`,
  );
  return `<figure><figcaption>${escape(summary)}</figcaption>${parts.join("")}</figure>`;
}
