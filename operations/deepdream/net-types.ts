/** The folded InceptionV3 trunk as plain data: what backends run and the weight cache stores. */

/** Height, width, channels of one image (batch 1, channels last). */
export type Shape = readonly [number, number, number];

export const DREAM_LAYERS = ['mixed0', 'mixed1', 'mixed2', 'mixed3', 'mixed4', 'mixed5'] as const;
export type DreamLayer = (typeof DREAM_LAYERS)[number];

/** A convolution with its BatchNorm folded in, followed by ReLU (every conv of the trunk has one). */
export interface ConvSpec {
  kh: number;
  kw: number;
  cin: number;
  cout: number;
  stride: number;
  padding: 'same' | 'valid';
  /** [kh][kw][cin][cout], as Keras and tf.conv2d lay it out. */
  weights: Float32Array;
  /** [cout] */
  bias: Float32Array;
}

/** 3x3 pools only: max 3x3/2 valid and average 3x3/1 same (padding excluded from the mean). */
export interface PoolSpec {
  size: number;
  stride: number;
  padding: 'same' | 'valid';
}

export type NetNode =
  | { op: 'input'; id: string }
  | { op: 'conv'; id: string; input: string; conv: ConvSpec }
  | { op: 'maxpool'; id: string; input: string; pool: PoolSpec }
  | { op: 'avgpool'; id: string; input: string; pool: PoolSpec }
  | { op: 'concat'; id: string; inputs: string[] };

/** Nodes in topological order; ids are the Keras layer names (a conv node takes its ReLU's name). */
export interface Net {
  source: string;
  nodes: NetNode[];
}

export function nodeInputs(node: NetNode): string[] {
  if (node.op === 'input') return [];
  if (node.op === 'concat') return node.inputs;
  return [node.input];
}

/** Output size of a conv or pool along one axis (TensorFlow's rule). */
export function outSize(size: number, k: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - k) / stride) + 1;
}

/** Leading padding along one axis (TensorFlow puts the odd pixel after). */
export function padBefore(size: number, k: number, stride: number, padding: 'same' | 'valid'): number {
  if (padding === 'valid') return 0;
  const out = Math.ceil(size / stride);
  return Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2);
}

/** The nodes `layer` depends on, in order: the only ones a forward/backward pass needs. */
export function subnet(net: Net, layer: string): NetNode[] {
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  if (!byId.has(layer)) throw new Error(`Unknown layer ${layer}; the network has ${DREAM_LAYERS.join(', ')}`);
  const need = new Set<string>();
  const visit = (id: string): void => {
    if (need.has(id)) return;
    need.add(id);
    nodeInputs(byId.get(id)!).forEach(visit);
  };
  visit(layer);
  return net.nodes.filter((n) => need.has(n.id));
}

/** Shapes of every node for an input of `h` x `w` (throws when the input is too small). */
export function inferShapes(nodes: NetNode[], h: number, w: number): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const n of nodes) {
    let s: Shape;
    if (n.op === 'input') s = [h, w, 3];
    else if (n.op === 'concat') {
      const parts = n.inputs.map((i) => shapes.get(i)!);
      s = [parts[0][0], parts[0][1], parts.reduce((a, p) => a + p[2], 0)];
    } else {
      const [ih, iw, ic] = shapes.get(n.input)!;
      const k = n.op === 'conv' ? [n.conv.kh, n.conv.kw] : [n.pool.size, n.pool.size];
      const { stride, padding } = n.op === 'conv' ? n.conv : n.pool;
      s = [outSize(ih, k[0], stride, padding), outSize(iw, k[1], stride, padding), n.op === 'conv' ? n.conv.cout : ic];
    }
    if (s[0] < 1 || s[1] < 1) throw new Error(`Input ${w}x${h} is too small for layer ${n.id}`);
    shapes.set(n.id, s);
  }
  return shapes;
}

/** Smallest square input side the layer accepts. */
export function minInputSize(nodes: NetNode[]): number {
  for (let s = 8; ; s++) {
    try {
      inferShapes(nodes, s, s);
      return s;
    } catch {
      // too small, try the next size
    }
  }
}

/** Multiply-accumulates of one forward pass (convs only; pools and concats are noise). */
export function forwardMacs(nodes: NetNode[], h: number, w: number): number {
  const shapes = inferShapes(nodes, h, w);
  let macs = 0;
  for (const n of nodes) {
    if (n.op !== 'conv') continue;
    const [oh, ow] = shapes.get(n.id)!;
    macs += oh * ow * n.conv.cout * n.conv.cin * n.conv.kh * n.conv.kw;
  }
  return macs;
}
