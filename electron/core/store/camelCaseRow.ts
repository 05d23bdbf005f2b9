/**
 * The one mapping from SQLite's snake_case columns to the API's camelCase fields. The
 * column list is explicit: joined rows carry other columns (a root's path, an item's
 * status) that must not leak into the object, and the list's order is the order of the
 * API type's fields, which JSON output keeps.
 */

/** 'root_id' → 'rootId', at the type level, so a mapped row is checked against the API type. */
export type CamelCase<Name extends string> = Name extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : Name;

export type CamelCased<Row, Column extends keyof Row & string> = { [Name in Column as CamelCase<Name>]: Row[Name] };

// A grid page maps 200 rows of 20 columns: each name is converted once.
const camelNames = new Map<string, string>();

function camelName(column: string): string {
  let name = camelNames.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    camelNames.set(column, name);
  }
  return name;
}

/**
 * `columns` of `row` under their camelCase names, values as they are. A caller converts
 * the few that need it (0/1 to boolean, JSON text to objects) by spreading this and
 * overriding them, which keeps each field in its place.
 */
export function camelCaseRow<Row extends object, Column extends keyof Row & string>(row: Row, columns: readonly Column[]): CamelCased<Row, Column> {
  const result: Record<string, unknown> = {};
  for (const column of columns) {
    result[camelName(column)] = row[column];
  }
  return result as CamelCased<Row, Column>;
}
