/** Components as component:component describes them, and which port may feed which. */
export interface PortDef {
  id: string;
  type: string;
  description?: string;
  values?: unknown[];
  default?: unknown;
  required?: boolean;
}

export interface ComponentDef {
  name: string;
  description?: string;
  icon?: string;
  subgraph?: boolean;
  inPorts: PortDef[];
  outPorts: PortDef[];
}

export const GRAPH_PREFIX = 'graphs/';

/** The palette's category: the library part of the name (imgflow, gegl, graphs...). */
export function categoryOf(name: string): string {
  const i = name.indexOf('/');
  return i < 0 ? 'other' : name.slice(0, i);
}

export function shortName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

const NUMERIC = new Set(['int', 'number']);
const ANY = new Set(['all', 'any']);

/** Why `from` may not feed `to`, or undefined when it may (noflo's rules, plus int -> number). */
export function incompatibility(from: PortDef | undefined, to: PortDef | undefined): string | undefined {
  if (!from || !to) return 'unknown port';
  if (ANY.has(from.type) || ANY.has(to.type) || from.type === to.type) return undefined;
  if (NUMERIC.has(from.type) && NUMERIC.has(to.type)) return undefined;
  return `${from.type} output cannot feed ${to.type} input`;
}

/** "Standard deviation ... (0 to 1000 px)": the runtime writes limits into the description. */
export function rangeOf(port: PortDef): { min?: number; max?: number } {
  const m = /\((-?[\d.]+) to (-?[\d.]+)/.exec(port.description ?? '');
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  const least = /\(at least (-?[\d.]+)/.exec(port.description ?? '');
  if (least) return { min: Number(least[1]) };
  const most = /\(at most (-?[\d.]+)/.exec(port.description ?? '');
  return most ? { max: Number(most[1]) } : {};
}

/** Font Awesome names (what Flowhub shows) drawn as text, so no icon font is fetched. */
const ICONS = new Map<string, string>([
  ['tint', '◍'], ['adjust', '◐'], ['th', '▦'], ['th-large', '▦'], ['sliders', '☰'], ['eye', '◉'], ['eye-slash', '◌'],
  ['expand', '⤢'], ['clone', '⧉'], ['toggle-on', '◧'], ['square-o', '□'], ['signal', '▂'], ['scissors', '✂'],
  ['repeat', '↻'], ['random', '⇄'], ['paint-brush', '✎'], ['magic', '✦'], ['line-chart', '∿'], ['fighter-jet', '➤'],
  ['diamond', '◆'], ['crop', '⌗'], ['coffee', '☕'], ['circle-o', '○'], ['circle-half-stroke', '◑'], ['barcode', '║'],
  ['arrows-v', '↕'], ['arrows-h', '↔'], ['arrow-right', '→'], ['align-justify', '≡'], ['file-image-o', '▣'],
  ['sitemap', '⧉'], ['cog', '⚙'],
]);

export function iconOf(name: string | undefined): string {
  return (name && ICONS.get(name)) ?? '⚙';
}
