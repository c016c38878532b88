/**
 * What identifies one node's output within a plan: its operation, its parameters as bound,
 * and the identities of the images it reads, back to the input's and image parameters' bytes.
 * Two plans that give a node the same key compute the same pixels for it, so a preview run can
 * reuse the image of an earlier run (an edit downstream of a slow node does not run it again).
 */
import { createHash } from 'node:crypto';
import { IMAGE_PARAM, isExternal, resolveInput, SOURCE, type Plan } from './compiler.ts';

/** JSON with object keys sorted, so parameter order does not change a key. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export const bytesKey = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('base64url');

export interface NodeKeySources {
  /** Key of the graph's input (the decoded sample): bytesKey of its encoded bytes. */
  input: string;
  /** Encoded image parameters by name, as the executor gets them. */
  images?: Record<string, Buffer>;
}

/** Every evaluated node's key, in plan order; skipped nodes have none (they pass their input on). */
export function nodeKeys(plan: Plan, sources: NodeKeySources): Map<string, string> {
  const keys = new Map<string, string>();
  // External images are keyed once each, however many nodes read them.
  const external = new Map<string, string>([[SOURCE, `input:${sources.input}`]]);
  const keyOf = (id: string): string => {
    const key = keys.get(id) ?? external.get(id);
    if (key !== undefined) return key;
    if (!id.startsWith(IMAGE_PARAM)) throw new Error(`internal: ${id} keyed out of order`);
    const name = id.slice(IMAGE_PARAM.length);
    const bytes = sources.images && Object.hasOwn(sources.images, name) ? sources.images[name] : undefined;
    const image = `image:${bytes ? bytesKey(bytes) : 'unset'}`;
    external.set(id, image);
    return image;
  };
  for (const id of plan.order) {
    const node = plan.nodes.get(id)!;
    if (node.skip || isExternal(id)) continue;
    const inputs = Object.keys(node.inputs).sort().map((port) => `${port}=${keyOf(resolveInput(plan, id, port))}`);
    const text = `${node.component.op.name}\n${stableJson(node.params)}\n${inputs.join('\n')}`;
    keys.set(id, createHash('sha256').update(text).digest('base64url'));
  }
  return keys;
}
