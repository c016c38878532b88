/**
 * A graph's image parameters (deepdream's `guide`...): URLs or references given as parameter
 * values, whose bytes evaluatePlan takes in `images`. Every caller (the HTTP route, the CLI,
 * Flowhub previews) loads them its own way, through `load`.
 */
import type { Plan } from './compiler.ts';
import type { Params } from '../operations/define.ts';
import { nullRecord, ownValue, setOwn } from './own-keys.ts';

/** Loads every image parameter given in `params`, in parallel, by parameter name. */
export async function loadImageParams(plan: Plan, params: Params, load: (ref: string) => Promise<Buffer>): Promise<Record<string, Buffer>> {
  const given = [...plan.parameters.values()].filter((p) => p.spec.type === 'image' && typeof ownValue(params, p.name) === 'string');
  const bytes = await Promise.all(given.map((p) => load(params[p.name] as string)));
  const out = nullRecord<Buffer>();
  given.forEach((p, i) => setOwn(out, p.name, bytes[i]));
  return out;
}
