/**
 * Undo and redo as protocol commands: each of this editor's edits is kept with the graph:*
 * commands that reverse it, worked out from the graph before the edit. Undoing sends them, so
 * the runtime, the graph file and every other client see the undo as ordinary edits.
 */
import type { GraphJson } from './graph.ts';

export type Command = [command: string, payload: Record<string, unknown>];
export interface Edit { forward: Command[]; backward: Command[] }

type Port = { node: string; port: string };
const port = (r: { process: string; port: string; index?: number }): Port & { index?: number } =>
  (r.index === undefined ? { node: r.process, port: r.port } : { node: r.process, port: r.port, index: r.index });

/** Everything that goes with a node, to bring it back after it was removed. */
export function restoreNode(g: GraphJson, id: string): Command[] {
  const proc = g.processes[id];
  if (!proc) return [];
  const out: Command[] = [['addnode', { id, component: proc.component, ...(proc.metadata ? { metadata: proc.metadata } : {}) }]];
  for (const c of g.connections) {
    if (c.src && (c.src.process === id || c.tgt.process === id)) out.push(['addedge', { src: port(c.src), tgt: port(c.tgt), ...(c.metadata ? { metadata: c.metadata } : {}) }]);
    else if (!c.src && c.tgt.process === id) out.push(['addinitial', { src: { data: c.data }, tgt: port(c.tgt) }]);
  }
  for (const [kind, command] of [['inports', 'addinport'], ['outports', 'addoutport']] as const) {
    for (const [pub, ref] of Object.entries(g[kind] ?? {})) {
      if (ref.process === id) out.push([command, { public: pub, node: ref.process, port: ref.port, ...(ref.metadata ? { metadata: ref.metadata } : {}) }]);
    }
  }
  return out;
}

export class EditHistory {
  private done: Edit[] = [];
  private undone: Edit[] = [];
  constructor(private send: (c: Command) => void, private limit = 200) {}

  perform(edit: Edit): void {
    edit.forward.forEach(this.send);
    this.done.push(edit);
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
  }

  undo(): boolean {
    const edit = this.done.pop();
    if (!edit) return false;
    edit.backward.forEach(this.send);
    this.undone.push(edit);
    return true;
  }

  redo(): boolean {
    const edit = this.undone.pop();
    if (!edit) return false;
    edit.forward.forEach(this.send);
    this.done.push(edit);
    return true;
  }

  get canUndo(): boolean { return this.done.length > 0; }
  get canRedo(): boolean { return this.undone.length > 0; }

  clear(): void {
    this.done = [];
    this.undone = [];
  }
}
