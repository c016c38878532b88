/**
 * The shipped graphs run on the photo-like test image, in-process: what both the reference
 * spec and the script that makes the references (and the docs' contact sheet) use.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { bindParameters, compileGraph, evaluatePlan, parseGraphSource } from '../../runtime/index.ts';
import { registry } from '../_helpers/graphs.ts';
import { photoPng } from '../_helpers/photo.ts';

export const shippedDir = fileURLToPath(new URL('../../graphs/', import.meta.url));
export const referenceDir = fileURLToPath(new URL('../fixtures/graphs/', import.meta.url));

/** Parameters a graph needs to do something visible on a 240 x 160 image (others: defaults). */
export const exampleParams: Readonly<Record<string, Record<string, number | string>>> = {
  crop: { x: 40, y: 30, cropwidth: 120, cropheight: 90 },
  croprotate: { degrees: 12, x: 20, y: 20, cropwidth: 200, cropheight: 120 },
  resize: { width: 120 },
  thumbnail: { size: 96 },
  deepdream: { layer: 'mixed1', octaves: 1, iterations: 2, step: 0.05 },
};

export async function shippedGraphNames(): Promise<string[]> {
  return (await readdir(shippedDir)).filter((f) => /\.(json|fbp)$/.test(f)).map((f) => f.replace(/\.(json|fbp)$/, '')).sort();
}

export async function runShipped(name: string, params: Record<string, number | string> = exampleParams[name] ?? {}): Promise<Buffer> {
  const files = await readdir(shippedDir);
  const file = files.find((f) => f === `${name}.json` || f === `${name}.fbp`)!;
  const graph = parseGraphSource(name, await readFile(join(shippedDir, file), 'utf8'), file.endsWith('.fbp') ? 'fbp' : 'json');
  const plan = compileGraph(name, graph, registry, { sizeParams: true });
  const { parseParams } = await import('../../runtime/params.ts');
  const bound = bindParameters(plan, parseParams(plan, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))));
  const result = await evaluatePlan(bound, registry, { input: await photoPng(), format: 'png' });
  return result.bytes;
}
