// Putting batched rows back in the order of the DataLoader's keys.

/** One row (or null) per key, matched by `keyOf`. */
export function rowsByKey<T, K>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): (T | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

/** All rows per key, in the rows' order, matched by `keyOf`. */
export function rowsGroupedByKey<T, K>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): T[][] {
  const groups = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}
