import { DuckDBInstance } from "@duckdb/node-api";
import { DUCKDB_DIALECT } from "../../../src/loaders/duckdb/duckdb-dialect.js";
import { duckdbTarget } from "../../../src/loaders/duckdb/duckdb-target.js";
import { columnTypeOf } from "../../../src/loaders/duckdb/duckdb-types.js";
import { tempDatabase } from "../../helpers/duckdb.js";
import type { LoaderHarness } from "./loader-harness.js";

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** target-duckdb, read back with @duckdb/node-api. */
export const duckdbHarness: LoaderHarness = {
  factory: duckdbTarget,
  unloadable: {
    "an integer past 64 bits": "refused, naming its input line",
    "a repeated key": "refused, naming its input line",
    "a lone surrogate": "refused, naming its input line",
  },
  skipReason: () => null,
  async open() {
    const database = tempDatabase();
    const query = async (sql: string, params: string[] = []) => {
      const instance = await DuckDBInstance.create(database);
      const connection = await instance.connect();
      try {
        const catalog = String(
          (await connection.runAndReadAll("SELECT current_database()")).getRows()[0]?.[0],
        );
        await connection.run(`USE ${q(catalog)}.usertesting`);
        return (await connection.runAndReadAll(sql, params)).getRowObjectsJson() as Array<
          Record<string, unknown>
        >;
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    };
    const columns = async (stream: string) => {
      const rows = await query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'usertesting' AND table_name = $1 ORDER BY ordinal_position",
        [DUCKDB_DIALECT.tableName(stream)],
      );
      return rows.length === 0
        ? null
        : new Map(rows.map((r) => [String(r.column_name), columnTypeOf(String(r.data_type))]));
    };
    return {
      settings: { database, schema: "usertesting" },
      columns,
      async rows(stream, properties) {
        const types = (await columns(stream)) ?? new Map();
        const select = properties.map((p, i) => {
          const column = q(DUCKDB_DIALECT.columnName(p));
          const type = types.get(DUCKDB_DIALECT.columnName(p));
          const value =
            type === "timestamp"
              ? `CAST(epoch_us(${column}) AS VARCHAR)`
              : type === "integer" || type === "json"
                ? `CAST(${column} AS VARCHAR)`
                : type === "number"
                  ? `CAST(${column} AS DOUBLE)`
                  : column;
          return `${value} AS c${i}`;
        });
        const rows = await query(
          `SELECT ${select.join(", ")} FROM ${q(DUCKDB_DIALECT.tableName(stream))} ORDER BY 1`,
        );
        return rows.map((row) =>
          Object.fromEntries(
            properties.map((p, i) => {
              const value = row[`c${i}`] ?? null;
              const type = types.get(DUCKDB_DIALECT.columnName(p));
              return [p, type === "json" && typeof value === "string" ? JSON.parse(value) : value];
            }),
          ),
        );
      },
      async close() {},
    };
  },
};
