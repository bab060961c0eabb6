import snowflake, { type Connection } from "snowflake-sdk";
import { startSnowflakeLocal } from "../../../src/emulators/snowflake/index.js";
import type { ColumnType } from "../../../src/loaders/core/columns.js";
import { SNOWFLAKE_DIALECT } from "../../../src/loaders/snowflake/snowflake-dialect.js";
import { snowflakeTarget } from "../../../src/loaders/snowflake/snowflake-target.js";
import { columnTypeOf } from "../../../src/loaders/snowflake/snowflake-types.js";
import type { LoaderHarness } from "./loader-harness.js";

snowflake.configure({ logLevel: "OFF" });

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const DATABASE = "ANALYTICS";
const SCHEMA = "USERTESTING";

type Row = Record<string, unknown>;

async function connect(
  url: string,
): Promise<{ run: (sql: string, binds?: unknown[]) => Promise<Row[]>; close: () => Promise<void> }> {
  const connection: Connection = snowflake.createConnection({
    account: "LOCAL",
    username: "reader",
    password: "reader-password",
    accessUrl: url,
    database: DATABASE,
  } as never);
  await new Promise<void>((resolve, reject) => {
    connection.connectAsync((error) => (error ? reject(error) : resolve())).catch(reject);
  });
  return {
    run: (sql, binds = []) =>
      new Promise((resolve, reject) =>
        connection.execute({
          sqlText: sql,
          ...(binds.length ? { binds: binds as never } : {}),
          // Numbers as Snowflake's own text: exact past 2^53.
          fetchAsString: ["Number"],
          complete: (error: unknown, _statement: unknown, rows: unknown[] | undefined) =>
            error ? reject(error) : resolve((rows ?? []) as Row[]),
        } as never),
      ),
    close: () => new Promise((resolve) => connection.destroy(() => resolve())),
  };
}

/**
 * target-snowflake against the local Snowflake-protocol server (fake-backed: DuckDB inside),
 * read back with the real snowflake-sdk.
 */
export const snowflakeHarness: LoaderHarness = {
  factory: snowflakeTarget,
  // The COPY's error does not say which line it was (not mapped yet): the load stops, no STATE.
  unloadable: {
    "an integer past 64 bits": "loaded",
    "a repeated key": "loaded",
    "a lone surrogate": "refused",
  },
  skipReason: () => null,
  async open() {
    const server = await startSnowflakeLocal({});
    const reader = await connect(server.url);
    const columns = async (stream: string): Promise<Map<string, ColumnType> | null> => {
      const rows = await reader.run(
        "SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_SCALE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        [SCHEMA, SNOWFLAKE_DIALECT.tableName(stream)],
      );
      return rows.length === 0
        ? null
        : new Map(
            rows.map((r) => [String(r.COLUMN_NAME), columnTypeOf(String(r.DATA_TYPE), r.NUMERIC_SCALE)]),
          );
    };
    return {
      settings: {
        account: "LOCAL",
        user: "loader",
        password: "loader-password",
        database: DATABASE,
        schema: SCHEMA,
        access_url: server.url,
      },
      columns,
      async rows(stream, properties) {
        const types = (await columns(stream)) ?? new Map<string, ColumnType>();
        const names = properties.map((p) => SNOWFLAKE_DIALECT.columnName(p));
        const table = `${q(DATABASE)}.${q(SCHEMA)}.${q(SNOWFLAKE_DIALECT.tableName(stream))}`;
        const rows = await reader.run(
          `SELECT ${names.map((n, i) => `${q(n)} AS "C${i}"`).join(", ")} FROM ${table} ORDER BY 1`,
        );
        return rows.map((row) =>
          Object.fromEntries(
            properties.map((p, i) => {
              const value = row[`C${i}`] ?? null;
              const type = types.get(names[i] as string);
              if (value === null) return [p, null];
              if (type === "timestamp") {
                const t = value as { getEpochSeconds(): number; getNanoSeconds(): number };
                return [
                  p,
                  String(
                    BigInt(t.getEpochSeconds()) * 1_000_000n + BigInt(Math.floor(t.getNanoSeconds() / 1000)),
                  ),
                ];
              }
              // fetchAsString hands a NULL number over as the text NULL.
              if ((type === "number" || type === "integer") && value === "NULL") return [p, null];
              if (type === "number") return [p, Number(value)];
              if (type === "integer") return [p, String(value)];
              return [p, value];
            }),
          ),
        );
      },
      async close() {
        await reader.close();
        await server.close();
      },
    };
  },
};
