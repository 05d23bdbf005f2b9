/**
 * JSON with object keys in sorted order at every level, two-space indented, ending in a
 * newline: the same data always gives the same bytes, so a re-export is byte-identical
 * and two exports compare with `diff`.
 */

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}

/** `value` as stable JSON text (undefined members are left out, as JSON.stringify does). */
export function stableJson(value: unknown, indent: number | null = 2): string {
  return `${JSON.stringify(sortKeys(value), null, indent ?? undefined)}\n`;
}
