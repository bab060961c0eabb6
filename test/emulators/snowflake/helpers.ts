import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import snowflake, { type Connection, type ConnectionOptions } from "snowflake-sdk";
import { afterEach } from "vitest";
import {
  type SnowflakeLocal,
  type SnowflakeLocalOptions,
  startSnowflakeLocal,
} from "../../../src/emulators/snowflake/index.js";

snowflake.configure({ logLevel: "OFF" });

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh server for this test on a free port, closed after it (with its connections and stage folder). */
export async function useSnowflakeLocal(options: SnowflakeLocalOptions = {}): Promise<SnowflakeLocal> {
  const server = await startSnowflakeLocal(options);
  cleanups.push(() => server.close());
  return server;
}

/** A temporary folder for this test, removed after it. */
export function useTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "snowflake-local-spec-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What a failed statement surfaces to the client: the driver's OperationFailedError fields. */
export interface ClientError {
  code: string;
  sqlState: string | undefined;
  message: string;
}

export interface Client {
  connection: Connection;
  /** Runs a statement and resolves with its rows (objects keyed by column name). */
  run(
    sqlText: string,
    binds?: unknown[],
    extra?: Record<string, unknown>,
  ): Promise<Record<string, unknown>[]>;
  /** Runs a statement that must fail and resolves with the error the driver raised. */
  fail(sqlText: string, binds?: unknown[]): Promise<ClientError>;
}

/**
 * The real snowflake-sdk, connected to the server: `accessUrl` sends every request to it over
 * plain HTTP; `account` must be given because the host (127.0.0.1) names none.
 */
export async function connect(
  server: SnowflakeLocal,
  options: Partial<ConnectionOptions> = {},
): Promise<Client> {
  const connection = snowflake.createConnection({
    account: "LOCAL",
    username: "loader",
    password: "secret",
    accessUrl: server.url,
    database: "ANALYTICS",
    warehouse: "LOAD_WH",
    ...options,
  } as ConnectionOptions);
  // connectAsync hands some login errors to its callback instead of rejecting (connection.js).
  await new Promise<void>((resolve, reject) => {
    connection.connectAsync((error) => (error ? reject(error) : resolve())).catch(reject);
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (!connection.isUp()) return resolve();
        connection.destroy(() => resolve());
      }),
  );
  const execute = (sqlText: string, binds?: unknown[], extra: Record<string, unknown> = {}) =>
    new Promise<{ error?: ClientError; rows?: Record<string, unknown>[] }>((resolve) => {
      connection.execute({
        sqlText,
        ...(binds ? { binds: binds as never } : {}),
        ...extra,
        complete: (error, _statement, rows) => {
          if (error) {
            const { code, message } = error as unknown as { code: string; message: string };
            resolve({
              error: { code: String(code), sqlState: (error as { sqlState?: string }).sqlState, message },
            });
          } else resolve({ rows: (rows ?? []) as Record<string, unknown>[] });
        },
      });
    });
  return {
    connection,
    run: async (sqlText, binds, extra) => {
      const { error, rows } = await execute(sqlText, binds, extra);
      if (error) throw new Error(`${sqlText} failed: ${error.code} ${error.message}`);
      return rows ?? [];
    },
    fail: async (sqlText, binds) => {
      const { error } = await execute(sqlText, binds);
      if (!error) throw new Error(`${sqlText} succeeded where it should fail`);
      return error;
    },
  };
}

/** Connects and returns the error the driver raised instead. */
export async function connectError(
  server: SnowflakeLocal,
  options: Partial<ConnectionOptions>,
): Promise<ClientError> {
  try {
    await connect(server, options);
  } catch (error) {
    const e = error as { code: unknown; message: string; sqlState?: string };
    return { code: String(e.code), sqlState: e.sqlState, message: e.message };
  }
  throw new Error("the connection succeeded where it should be refused");
}
