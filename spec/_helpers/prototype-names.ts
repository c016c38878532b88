/**
 * Names that are members of every plain object (and of functions, which a lookup on a plain
 * object can return): as parameter, node, port, protocol or graph names they must be ordinary.
 */
export const PROTOTYPE_NAMES: readonly string[] = [...new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
  '__proto__',
  'prototype',
])].sort();
