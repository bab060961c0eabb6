import type { DuckDBResultReader, DuckDBValue } from "@duckdb/node-api";
import { type RowType, wireTypeOf } from "./sql-types.js";

/** A result as the wire carries it: column descriptions and every value as a string or null. */
export interface Rowset {
  rowtype: RowType[];
  rowset: Array<Array<string | null>>;
}

/** A column description with the fields Snowflake always sends. */
export function column(
  name: string,
  wire: Pick<RowType, "type" | "precision" | "scale" | "length">,
): RowType {
  return {
    name,
    ...wire,
    byteLength: wire.length,
    nullable: true,
    database: "",
    schema: "",
    table: "",
    collation: null,
  };
}

export const textColumn = (name: string): RowType =>
  column(name, { type: "text", precision: null, scale: null, length: 16_777_216 });
export const fixedColumn = (name: string): RowType =>
  column(name, { type: "fixed", precision: 38, scale: 0, length: null });

/**
 * "seconds.nanoseconds" from microseconds since the epoch (or midnight). A negative instant is a
 * negative decimal (-1.5 s is "-1.500000000"): the driver scales it and splits with floor.
 */
function secondsFromMicros(micros: bigint): string {
  const sign = micros < 0n ? "-" : "";
  const abs = micros < 0n ? -micros : micros;
  return `${sign}${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, "0")}000`;
}

/**
 * One value in Snowflake's JSON result encoding (the driver's connection/result/column.js):
 * numbers as decimal text, booleans "1"/"0", DATE as days since the epoch, TIME as seconds
 * since midnight, TIMESTAMP_NTZ as epoch seconds with nine decimals, TIMESTAMP_TZ the same then
 * a space and the offset in minutes plus 1440 (result version 1), VARIANT as JSON text.
 */
function encode(type: string, value: DuckDBValue, json: unknown): string | null {
  if (value === null) return null;
  const micros = (value as { micros?: bigint }).micros;
  switch (type) {
    case "boolean":
      return value ? "1" : "0";
    case "real":
      // String(Infinity) is "Infinity", which the driver's Number() reads back.
      return String(value);
    case "date":
      return String((value as { days: number }).days);
    case "time":
      return micros === undefined ? String(value) : secondsFromMicros(micros);
    case "timestamp_ntz":
      return micros === undefined ? String(value) : secondsFromMicros(micros);
    case "timestamp_tz":
      // DuckDB keeps the instant only: every value is at offset +00:00 (index 1440).
      return micros === undefined ? String(value) : `${secondsFromMicros(micros)} 1440`;
    case "variant":
      return typeof value === "string" ? value : JSON.stringify(json);
    case "binary":
      return Buffer.from((value as { bytes: Uint8Array }).bytes)
        .toString("hex")
        .toUpperCase();
    default:
      return String(value);
  }
}

export function toRowset(result: DuckDBResultReader): Rowset {
  const names = result.columnNames();
  const types = result.columnTypes();
  const rowtype = names.map((name, i) => column(name, wireTypeOf(types[i] as (typeof types)[number])));
  const rows = result.getRows();
  const needsJson = rowtype.some(
    (c, i) => c.type === "variant" && (types[i] as { alias?: string }).alias !== "JSON",
  );
  const jsonRows = needsJson ? result.getRowsJson() : undefined;
  const rowset = rows.map((row, r) =>
    row.map((value, c) => encode((rowtype[c] as RowType).type, value, jsonRows?.[r]?.[c])),
  );
  return { rowtype, rowset };
}
