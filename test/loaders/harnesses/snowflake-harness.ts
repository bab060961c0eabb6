import { createPrivateKey, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
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

/** A reader connected with the real driver: to a local server's URL, or with an account's options. */
export async function connectReader(
  target: string | Record<string, unknown>,
): Promise<{ run: (sql: string, binds?: unknown[]) => Promise<Row[]>; close: () => Promise<void> }> {
  const connection: Connection = snowflake.createConnection(
    (typeof target === "string"
      ? {
          account: "LOCAL",
          username: "reader",
          password: "reader-password",
          accessUrl: target,
          database: DATABASE,
        }
      : target) as never,
  );
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

/** Where a harness loads: the settings for the loader, a reader, its database and schema. */
interface Account {
  settings: Record<string, unknown>;
  reader: Awaited<ReturnType<typeof connectReader>>;
  database: string;
  schema: string;
  close(): Promise<void>;
}

async function localAccount(): Promise<Account> {
  const server = await startSnowflakeLocal({});
  return {
    settings: {
      account: "LOCAL",
      user: "loader",
      password: "loader-password",
      database: DATABASE,
      schema: SCHEMA,
      access_url: server.url,
    },
    reader: await connectReader(server.url),
    database: DATABASE,
    schema: SCHEMA,
    close: () => server.close(),
  };
}

const LIVE = ["SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_DATABASE"] as const;

/** The SNOWFLAKE_* variables a live run needs and lacks (none: it can run). */
export function liveSnowflakeMissing(): string[] {
  const missing: string[] = LIVE.filter((v) => !process.env[v]);
  if (!process.env.SNOWFLAKE_PRIVATE_KEY_PATH && !process.env.SNOWFLAKE_PASSWORD)
    missing.push("SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_PASSWORD");
  return missing;
}

/**
 * The real account the SNOWFLAKE_* variables name: the driver's login for a reader, and
 * target-snowflake's settings for loading into `schema` (null where not set).
 */
export function liveSnowflake(schema: string): {
  login: Record<string, unknown>;
  settings: Record<string, string | null>;
  database: string;
} {
  const e = process.env;
  const key = e.SNOWFLAKE_PRIVATE_KEY_PATH
    ? createPrivateKey({
        key: readFileSync(e.SNOWFLAKE_PRIVATE_KEY_PATH, "utf8"),
        passphrase: e.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
      })
        .export({ type: "pkcs8", format: "pem" })
        .toString()
    : undefined;
  return {
    login: {
      account: e.SNOWFLAKE_ACCOUNT,
      username: e.SNOWFLAKE_USER,
      database: e.SNOWFLAKE_DATABASE,
      ...(e.SNOWFLAKE_WAREHOUSE ? { warehouse: e.SNOWFLAKE_WAREHOUSE } : {}),
      ...(e.SNOWFLAKE_ROLE ? { role: e.SNOWFLAKE_ROLE } : {}),
      ...(key ? { authenticator: "SNOWFLAKE_JWT", privateKey: key } : { password: e.SNOWFLAKE_PASSWORD }),
    },
    settings: {
      account: e.SNOWFLAKE_ACCOUNT ?? null,
      user: e.SNOWFLAKE_USER ?? null,
      database: e.SNOWFLAKE_DATABASE ?? null,
      schema,
      warehouse: e.SNOWFLAKE_WAREHOUSE ?? null,
      role: e.SNOWFLAKE_ROLE ?? null,
      private_key_path: e.SNOWFLAKE_PRIVATE_KEY_PATH ?? null,
      private_key_passphrase: e.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE ?? null,
      password: key ? null : (e.SNOWFLAKE_PASSWORD ?? null),
    },
    database: String(e.SNOWFLAKE_DATABASE),
  };
}

/** A real account from SNOWFLAKE_* variables; every load gets a schema of its own, dropped after. */
async function liveAccount(): Promise<Account> {
  const schema = `TAP_USERTESTING_TEST_${randomBytes(4).toString("hex").toUpperCase()}`;
  const { login, settings, database } = liveSnowflake(schema);
  const reader = await connectReader(login);
  return {
    settings,
    reader,
    database,
    schema,
    close: async () => {
      await reader.run(`DROP SCHEMA IF EXISTS "${database}"."${schema}" CASCADE`).catch(() => undefined);
    },
  };
}

function snowflakeHarnessOn(
  open: () => Promise<Account>,
  skipReason: () => string | null,
  unloadable: LoaderHarness["unloadable"],
): LoaderHarness {
  return {
    factory: snowflakeTarget,
    unloadable,
    skipReason,
    async open() {
      const account = await open();
      const { reader } = account;
      const SCHEMA = account.schema;
      const DATABASE = account.database;
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
        settings: account.settings,
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
                      BigInt(t.getEpochSeconds()) * 1_000_000n +
                        BigInt(Math.floor(t.getNanoSeconds() / 1000)),
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
          await account.close();
          await reader.close().catch(() => undefined);
        },
      };
    },
  };
}

/** target-snowflake against the local Snowflake-protocol server (fake-backed: DuckDB inside), read back with the real driver. */
export const snowflakeHarness = snowflakeHarnessOn(localAccount, () => null, {
  "an integer past 64 bits": "loaded",
  "a repeated key": "loaded",
  "a lone surrogate": "refused, naming its input line",
});

/** The same suite against a real account, when SNOWFLAKE_* variables name one. */
export const snowflakeLiveHarness = snowflakeHarnessOn(
  liveAccount,
  () => {
    const missing = liveSnowflakeMissing();
    return missing.length ? `live Snowflake: set ${missing.join(", ")}` : null;
  },
  {
    "an integer past 64 bits": "loaded",
    "a repeated key": "refused",
    "a lone surrogate": "refused, naming its input line",
  },
);
