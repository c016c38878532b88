/**
 * Node boxes and automatic layout: a graph whose nodes lack positions, or whose saved
 * positions make boxes overlap at the size the editor draws them, is laid out with ELK.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ComponentDef } from './components.ts';
import type { GraphJson } from './graph.ts';

export const NODE_WIDTH = 200;
const HEADER = 36;
const ROW = 22;

export function nodeSize(def: ComponentDef | undefined): { width: number; height: number } {
  const rows = def ? Math.max(def.inPorts.length, def.outPorts.length, 1) : 1;
  return { width: NODE_WIDTH, height: HEADER + rows * ROW + 8 };
}

export interface Box { x: number; y: number; width: number; height: number }

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function savedPosition(g: GraphJson, id: string): { x: number; y: number } | undefined {
  const m = g.processes[id]?.metadata;
  return m && typeof m.x === 'number' && typeof m.y === 'number' ? { x: m.x, y: m.y } : undefined;
}

export function needsLayout(g: GraphJson, defs: Map<string, ComponentDef>): boolean {
  const ids = Object.keys(g.processes);
  const boxes: Box[] = [];
  for (const id of ids) {
    const p = savedPosition(g, id);
    if (!p) return true;
    boxes.push({ ...p, ...nodeSize(defs.get(g.processes[id].component)) });
  }
  return boxes.some((a, i) => boxes.slice(i + 1).some((b) => overlaps(a, b)));
}

const elk = new ELK();

export async function layoutGraph(g: GraphJson, defs: Map<string, ComponentDef>): Promise<Map<string, { x: number; y: number }>> {
  const ids = Object.keys(g.processes);
  const result = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
    },
    children: ids.map((id) => ({ id, ...nodeSize(defs.get(g.processes[id].component)) })),
    edges: g.connections.filter((c) => c.src && g.processes[c.src.process] && g.processes[c.tgt.process])
      .map((c, i) => ({ id: `e${i}`, sources: [c.src!.process], targets: [c.tgt.process] })),
  });
  return new Map((result.children ?? []).map((n) => [n.id, { x: Math.round(n.x ?? 0), y: Math.round(n.y ?? 0) }]));
}
