/** Request parameters (URL query, CLI --set, protocol packets) checked against a plan's exported ports. */
import type { Params } from '../operations/define.ts';
import { coerceParam } from './coerce.ts';
import { errors } from './errors.ts';
import type { Plan } from './compiler.ts';
import { nullRecord } from './own-keys.ts';

export type RawParams = Record<string, string | string[] | number | boolean | undefined>;

/**
 * Coerces every value by its port's type; an unknown name is a 400 that lists what the graph
 * accepts, because a typo silently ignored is a wrong image served forever from cache.
 */
export function parseParams(plan: Plan, raw: RawParams, reserved: ReadonlySet<string> = new Set()): Params {
  // Keys are request parameter names: `__proto__` must be stored, not become the prototype.
  const out: Params = nullRecord();
  for (const [name, value] of Object.entries(raw)) {
    if (reserved.has(name) || value === undefined) continue;
    const param = plan.parameters.get(name);
    if (!param) {
      const accepted = [...plan.parameters.keys()].sort();
      throw errors.IMGFLOW_ERR_PARAM_UNKNOWN({ parameter: name, graph: plan.graph, accepts: accepted }, undefined, name, plan.graph, accepted.join(', ') || '(no parameters)');
    }
    if (Array.isArray(value)) {
      throw errors.IMGFLOW_ERR_PARAM_INVALID({ parameter: name }, undefined, 'a single value', name, `${value.length} values`);
    }
    out[name] = coerceParam(name, param.spec, value);
  }
  for (const param of plan.parameters.values()) {
    if (param.spec.required && !Object.hasOwn(out, param.name)) throw errors.IMGFLOW_ERR_PARAM_MISSING({ parameter: param.name }, undefined, param.name);
  }
  return out;
}
