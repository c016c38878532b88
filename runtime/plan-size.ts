/**
 * Image sizes through a bound plan, from the sizes of the images that come from outside (the
 * input's header, image parameters' headers) and each operation's `outputSize`: every limit
 * on what the graph will allocate is checked here, before anything is decoded.
 */
import type { Size } from '../operations/define.ts';
import { errors } from './errors.ts';
import { isExternal, resolveProducer, type Plan } from './compiler.ts';

/** Size of each node's output (and of each external image given), by producer id. Unknown inputs leave their dependants out. */
export function planSizes(plan: Plan, external: (id: string) => Size | undefined): Map<string, Size> {
  const sizes = new Map<string, Size>();
  const sizeOf = (id: string): Size | undefined => {
    if (!sizes.has(id) && isExternal(id)) {
      const s = external(id);
      if (s) sizes.set(id, s);
    }
    return sizes.get(id);
  };
  for (const id of plan.order) {
    const node = plan.nodes.get(id)!;
    const input = sizeOf(node.inputs.input);
    if (!input) continue;
    if (node.skip || node.kind === 'encoder' || !node.component.op.outputSize) {
      sizes.set(id, input);
      continue;
    }
    const aux: Record<string, Size> = Object.create(null);
    for (const [port, src] of Object.entries(node.inputs)) {
      const s = port === 'input' ? undefined : sizeOf(src);
      if (s) aux[port] = s;
    }
    sizes.set(id, node.component.op.outputSize(input, node.params, aux));
  }
  return sizes;
}

export interface SizeLimits {
  /** The graph's output. */
  maxOutputPixels: number;
  /** Any image a node makes on the way (an enlarge before a shrink). */
  maxIntermediatePixels: number;
}

/**
 * Refuses a plan whose output, or any image made on the way, would exceed the limits.
 * @throws IMGFLOW_ERR_OUTPUT_TOO_LARGE (422) naming the node
 */
export function checkPlanSizes(plan: Plan, sizes: Map<string, Size>, limits: SizeLimits): void {
  const refuse = (node: string, s: Size, limit: number) =>
    errors.IMGFLOW_ERR_OUTPUT_TOO_LARGE({ node, width: s.width, height: s.height, limit }, undefined, s.width, s.height, limit);
  for (const id of plan.order) {
    const s = sizes.get(id);
    if (s && s.width * s.height > limits.maxIntermediatePixels) throw refuse(id, s, limits.maxIntermediatePixels);
  }
  const outputId = resolveProducer(plan, plan.output);
  const out = sizes.get(outputId);
  if (out && out.width * out.height > limits.maxOutputPixels) throw refuse(outputId, out, limits.maxOutputPixels);
}
