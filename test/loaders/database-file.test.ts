import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDatabasePath } from "../../src/loaders/duckdb/database-file.js";

const dir = mkdtempSync(join(tmpdir(), "database-file-"));
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  // A real database file, as @duckdb/node-api writes it.
  const instance = await DuckDBInstance.create(at("real.duckdb"));
  instance.closeSync();
  writeFileSync(at("existing.json"), "[]\n");
  writeFileSync(at("people.csv"), "id,name\n1,Ada\n");
  writeFileSync(at("empty.duckdb"), "");
  writeFileSync(at("data.parquet"), Buffer.from("PAR1\x15\x04\x15", "latin1"));
  writeFileSync(at("old.db"), Buffer.from("SQLite format 3\0\x10\0", "latin1"));
  writeFileSync(at("blob.duckdb"), Buffer.from([0xde, 0xad, 0, 0xbe, 0xef, 0, 0, 0, 0, 1, 2, 3, 4]));
  mkdirSync(at("folder"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("what a `database` path holds", () => {
  it.each([
    ["a DuckDB file made by @duckdb/node-api", "real.duckdb", null],
    ["a path with nothing there (DuckDB creates it)", "new.json", "missing"],
    ["a JSON text file", "existing.json", 'a text file starting with "[]"'],
    ["a CSV file", "people.csv", 'a text file starting with "id,name\\n1,Ada"'],
    ["an empty file", "empty.duckdb", "an empty file (0 bytes)"],
    ["a Parquet file", "data.parquet", "a Parquet file"],
    ["a SQLite database", "old.db", "a SQLite database"],
    ["bytes of no known format", "blob.duckdb", "a file of 13 bytes in another format"],
    ["a directory", "folder", "a directory"],
  ])("%s", (_case, name, expected) => {
    expect(describeDatabasePath(at(name))).toBe(expected);
  });
});
