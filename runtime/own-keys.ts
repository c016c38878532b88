/**
 * Records keyed by names users choose (parameters, nodes, ports, graphs, colours): a plain
 * object lookup `record[name]` finds Object.prototype's members for `constructor`, `toString`
 * or `__proto__`, and an assignment to `__proto__` replaces the prototype instead of storing a
 * value. These read only own properties and write with define semantics, so every name is an
 * ordinary name. Prefer a Map where the record is ours; these are for JSON-shaped records
 * (graph documents, parameter values) that must stay plain objects.
 */

/** `record[key]` if it is the record's own property, else undefined. */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined | null, key: string): T | undefined {
  return record != null && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An empty record without a prototype: lookups and assignments of any name are plain. */
export function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Sets `record[key] = value` as an own data property, `__proto__` included. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}
