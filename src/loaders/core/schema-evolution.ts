import { type ColumnSpec, type ColumnType, type TableSpec, widen } from "./columns.js";
import type { Dialect } from "./dialect.js";

/**
 * One change a table needs to hold a stream's SCHEMA. Columns are only ever added or widened,
 * never dropped. A widening the warehouse cannot make in place is a `replace`: the old column
 * is kept, renamed `keptAs` (its values untouched), and a new column of the wider type takes
 * the name, filled with the old values cast to it. No value is lost and the load goes on.
 */
export type TableChange =
  | { kind: "create"; columns: ColumnSpec[] }
  | { kind: "add"; column: ColumnSpec }
  | { kind: "widen"; column: string; from: ColumnType; to: ColumnType }
  | { kind: "replace"; column: string; from: ColumnType; to: ColumnType; keptAs: string };

export interface TablePlan {
  /** The spec with the types the table has once the changes are made. */
  spec: TableSpec;
  changes: TableChange[];
}

/** The suffixed name an old column keeps when a new type takes its name: `count__integer`. */
export const keptColumnName = (column: string, type: ColumnType): string => `${column}__${type}`;

/**
 * The changes `existing` (the table's columns and their types, or null: no table) needs to
 * hold `spec`, in the dialect's terms. Existing columns the spec lacks stay as they are.
 */
export function planTable(
  spec: TableSpec,
  existing: ReadonlyMap<string, ColumnType> | null,
  dialect: Dialect,
): TablePlan {
  if (existing === null) return { spec, changes: [{ kind: "create", columns: spec.columns }] };
  const current = new Map([...existing].map(([name, type]) => [dialect.columnKey(name), { name, type }]));
  const changes: TableChange[] = [];
  const columns = spec.columns.map((column): ColumnSpec => {
    const found = current.get(dialect.columnKey(column.name));
    if (!found) {
      changes.push({ kind: "add", column });
      return column;
    }
    const type = widen(found.type, column.type);
    if (type !== found.type) {
      changes.push(
        dialect.widensInPlace(found.type, type)
          ? { kind: "widen", column: found.name, from: found.type, to: type }
          : {
              kind: "replace",
              column: found.name,
              from: found.type,
              to: type,
              keptAs: keptColumnName(found.name, found.type),
            },
      );
    }
    return { ...column, name: found.name, type };
  });
  return { spec: { ...spec, columns }, changes };
}
