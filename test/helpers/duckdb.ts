import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll } from "vitest";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh database file path in a temporary folder, removed after the test file. */
export function tempDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), "tap-duckdb-"));
  made.push(dir);
  return join(dir, "test.duckdb");
}

/** Rows of a query as plain objects (JSON-friendly: BIGINT as number, timestamps as text). */
export async function queryRows(database: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(database);
  const connection = await instance.connect();
  try {
    const catalog = String((await connection.runAndReadAll("SELECT current_database()")).getRows()[0]?.[0]);
    await connection.run(`USE "${catalog}"."usertesting"`);
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
