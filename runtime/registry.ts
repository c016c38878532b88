/**
 * Component resolution: `imgflow/<op>` (or the bare op name) and aliases such as `gegl/crop`,
 * each seen by graphs with its own port names and parameter specs.
 */
import type { AliasDef, ImagePortSpec, OperationDef, ParamSpec, Params } from '../operations/define.ts';

export interface Component {
  /** The canonical component name: `imgflow/<op>` or the alias name. */
  name: string;
  op: OperationDef;
  alias?: AliasDef;
  description: string;
  icon: string;
  /** Parameters as graphs name them, with their specs. */
  params: Readonly<Record<string, ParamSpec>>;
  imageInputs: Readonly<Record<string, ImagePortSpec>>;
  /** Graph-facing parameter values -> the operation's. */
  toOperationParams(params: Params): Params;
}

export interface Registry {
  get(name: string): Component | undefined;
  list(): Component[];
}

/** `gegl:crop`, `GEGL/Crop` and `gegl/crop` name the same component, as in imgflo's library.c. */
export function normalizeComponentName(name: string): string {
  return name.trim().replace(':', '/').toLowerCase();
}

function operationComponent(op: OperationDef): Component {
  return {
    name: `imgflow/${op.name}`,
    op,
    description: op.description,
    icon: op.icon,
    params: op.params,
    imageInputs: op.inputs,
    toOperationParams: (p) => p,
  };
}

function aliasComponent(alias: AliasDef, op: OperationDef): Component {
  const hidden = new Set([...(alias.hidden ?? []), ...Object.keys(alias.fixed ?? {})]);
  const params: Record<string, ParamSpec> = {};
  for (const [name, spec] of Object.entries(op.params)) if (!hidden.has(name)) params[name] = spec;
  Object.assign(params, alias.extraParams);
  const extra = new Set(Object.keys(alias.extraParams ?? {}));
  return {
    name: alias.name,
    op,
    alias,
    description: alias.description ?? op.description,
    icon: op.icon,
    params,
    imageInputs: op.inputs,
    toOperationParams: (p) => {
      let out: Params = { ...p };
      if (alias.map) out = alias.map(out);
      // Accepted-but-unused GEGL ports must not reach the operation.
      for (const k of extra) if (!(k in op.params)) delete out[k];
      return { ...out, ...alias.fixed };
    },
  };
}

export function createRegistry(operations: readonly OperationDef[], aliases: readonly AliasDef[]): Registry {
  const byName = new Map<string, Component>();
  for (const op of operations) {
    const c = operationComponent(op);
    byName.set(c.name, c);
    byName.set(op.name, c);
  }
  for (const alias of aliases) {
    const op = operations.find((o) => o.name === alias.of);
    if (!op) throw new Error(`Alias ${alias.name} refers to unknown operation ${alias.of}`);
    byName.set(normalizeComponentName(alias.name), aliasComponent(alias, op));
  }
  return {
    get: (name) => byName.get(normalizeComponentName(name)) ?? byName.get(name),
    list: () => [...new Set(byName.values())].sort((a, b) => a.name.localeCompare(b.name)),
  };
}
