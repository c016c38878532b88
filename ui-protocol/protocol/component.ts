/**
 * component:* — list (one component:component per operation, alias, test component and graph,
 * then componentsready with the count), getsource (a graph as JSON or its original .fbp; an
 * operation's TypeScript file) and source (graphs only: operations are code reviewed in git).
 */
import { readFile } from 'node:fs/promises';
import { GRAPH_COMPONENT_PREFIX, parseGraphSource } from '../../runtime/index.ts';
import { allComponents, componentPayload, findComponent, GRAPH_LIBRARY } from '../components.ts';
import type { Handler } from '../dispatch.ts';
import { ProtocolError } from '../graphs.ts';

type Payload = Record<string, unknown>;

export const COMPONENT_COMMANDS = ['list', 'getsource', 'source'] as const;
export type ComponentCommand = (typeof COMPONENT_COMMANDS)[number];

const OPERATIONS_DIR = new URL('../../operations/', import.meta.url);

async function operationSource(opName: string): Promise<string | undefined> {
  // The TypeScript in a checkout; the compiled JavaScript in an installed package (dist/).
  for (const file of [`${opName}.ts`, `kernels/${opName}.ts`, `${opName}.js`, `kernels/${opName}.js`]) {
    try {
      return await readFile(new URL(file, OPERATIONS_DIR), 'utf8');
    } catch {
      // not there: try the next place, then describe the operation instead
    }
  }
  return undefined;
}

/** `graphs/foo` or a bare graph id (what Flowhub asks for the main graph). */
function graphIdOf(name: string): string {
  return name.startsWith(GRAPH_COMPONENT_PREFIX) ? name.slice(GRAPH_COMPONENT_PREFIX.length) : name;
}

export const componentHandlers = {
  list(_p: Payload, ctx) {
    const found = allComponents(ctx.core);
    for (const f of found) ctx.reply('component', componentPayload(ctx.core, f));
    ctx.reply('componentsready', found.length);
  },
  async getsource(p: Payload, ctx) {
    const name = typeof p.name === 'string' ? p.name : '';
    if (!name) throw new ProtocolError('Missing name: expected a component or graph name');
    const graph = ctx.core.graphs.get(graphIdOf(name));
    if (graph) {
      const entry = ctx.core.runtime.store.get(graph.id);
      // An unedited .fbp graph is returned as written; everything else as JSON.
      const asFbp = entry?.format === 'fbp' && JSON.stringify(entry.graph) === JSON.stringify(graph.graph);
      ctx.reply('source', {
        name: graph.id,
        library: graph.library ?? GRAPH_LIBRARY,
        language: asFbp ? 'fbp' : 'json',
        code: asFbp ? entry!.source : `${JSON.stringify(graph.graph, null, 2)}\n`,
      });
      return;
    }
    const found = findComponent(ctx.core, name);
    if (!found) throw new ProtocolError(`Component ${name} not found`);
    const [library, ...rest] = name.includes('/') ? name.split('/') : ['imgflow', name];
    const short = rest.join('/') || name;
    if (found.kind === 'packet') {
      ctx.reply('source', { name: short, library, language: 'javascript', code: found.component.process.toString() });
      return;
    }
    if (found.kind === 'image') {
      const op = found.component.op;
      const code = (await operationSource(op.name)) ?? `// ${found.component.name}: ${found.component.description}\n// Implemented in operations/ (${op.name}).\n`;
      ctx.reply('source', { name: short, library, language: 'typescript', code });
    }
  },
  async source(p: Payload, ctx) {
    const name = typeof p.name === 'string' ? p.name : '';
    const language = typeof p.language === 'string' ? p.language : '';
    const code = typeof p.code === 'string' ? p.code : undefined;
    if (!name || code === undefined) throw new ProtocolError('Missing name or code');
    if (language !== 'json' && language !== 'fbp') {
      throw new ProtocolError(`Cannot compile ${language || 'unknown'} components: operations are TypeScript files in operations/; only graphs (json, fbp) can be sent`);
    }
    const id = graphIdOf(name);
    let graph;
    try {
      graph = parseGraphSource(id, code, language);
    } catch (err) {
      throw new ProtocolError((err as Error).message);
    }
    await ctx.core.graphs.replace(id, graph, typeof p.library === 'string' ? p.library : undefined);
    ctx.reply('component', componentPayload(ctx.core, { kind: 'graph', id }));
  },
} satisfies { [C in ComponentCommand]: Handler };
