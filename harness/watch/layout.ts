/**
 * Where each node is drawn. Deterministic: the same nodes and edges (and the same previous positions) always give the
 * same picture, so a page reload or a second viewer sees the same network. Nodes start on a circle in the order given
 * (which for generated topologies is the order of the generator), then a fixed number of force-directed steps
 * (Fruchterman-Reingold with a pull to the centre) untangle random graphs. Positions are in the unit square.
 */
export interface Point {
  x: number;
  y: number;
}

const ITERATIONS = 300;

export function layoutNetwork(
  nodes: readonly string[],
  edges: readonly (readonly [string, string])[],
  previous: ReadonlyMap<string, Point> = new Map(),
): Map<string, Point> {
  const n = nodes.length;
  const result = new Map<string, Point>();
  if (n === 0) return result;
  if (n === 1) return result.set(nodes[0]!, { x: 0.5, y: 0.5 });

  const index = new Map(nodes.map((key, i) => [key, i]));
  const pos = nodes.map((key, i) => {
    const known = previous.get(key);
    if (known) return { x: known.x, y: known.y };
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: 0.5 + 0.5 * Math.cos(angle), y: 0.5 + 0.5 * Math.sin(angle) };
  });
  const springs: [number, number][] = [];
  for (const [a, b] of edges) {
    const i = index.get(a);
    const j = index.get(b);
    if (i !== undefined && j !== undefined && i !== j) springs.push([i, j]);
  }

  // Ideal edge length for n nodes in the unit square.
  const k = Math.sqrt(1 / n);
  // Starting from known positions, move less: the picture should not jump when one node joins.
  const reusing = nodes.some((key) => previous.has(key));
  let temperature = reusing ? 0.03 : 0.1;
  const cooling = temperature / (ITERATIONS + 1);
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    dx.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++) {
      const pi = pos[i]!;
      for (let j = i + 1; j < n; j++) {
        const pj = pos[j]!;
        let ux = pi.x - pj.x;
        let uy = pi.y - pj.y;
        let d = Math.hypot(ux, uy);
        if (d < 1e-6) {
          // Coincident nodes: separate them along a direction fixed by their indices (not random).
          ux = Math.cos(i + j);
          uy = Math.sin(i + j);
          d = 1e-3;
        }
        const force = (k * k) / d;
        dx[i]! += (ux / d) * force;
        dy[i]! += (uy / d) * force;
        dx[j]! -= (ux / d) * force;
        dy[j]! -= (uy / d) * force;
      }
    }
    for (const [i, j] of springs) {
      const pi = pos[i]!;
      const pj = pos[j]!;
      const ux = pi.x - pj.x;
      const uy = pi.y - pj.y;
      const d = Math.max(Math.hypot(ux, uy), 1e-6);
      const force = (d * d) / k;
      dx[i]! -= (ux / d) * force;
      dy[i]! -= (uy / d) * force;
      dx[j]! += (ux / d) * force;
      dy[j]! += (uy / d) * force;
    }
    for (let i = 0; i < n; i++) {
      const p = pos[i]!;
      // Gravity keeps disconnected parts (and nodes without /state) from drifting off.
      dx[i]! += (0.5 - p.x) * k * 2;
      dy[i]! += (0.5 - p.y) * k * 2;
      const d = Math.hypot(dx[i]!, dy[i]!);
      if (d > 0) {
        const step = Math.min(d, temperature);
        p.x += (dx[i]! / d) * step;
        p.y += (dy[i]! / d) * step;
      }
    }
    temperature -= cooling;
  }

  // Fit into the unit square, keeping the aspect ratio.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const p of pos) {
    minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
  }
  const span = Math.max(maxX - minX, maxY - minY, 1e-9);
  const offsetX = (1 - (maxX - minX) / span) / 2;
  const offsetY = (1 - (maxY - minY) / span) / 2;
  nodes.forEach((key, i) => {
    const p = pos[i]!;
    result.set(key, { x: round((p.x - minX) / span + offsetX), y: round((p.y - minY) / span + offsetY) });
  });
  return result;
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
