import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, runCli } from "./helpers.js";

afterEach(killAll);

// A database laid out as the sync leaves it: the file usertesting.duckdb (so its catalog is
// named usertesting too) with the tables in schema usertesting.
const dir = mkdtempSync(join(tmpdir(), "tap-query-"));
beforeAll(async () => {
  const instance = await DuckDBInstance.create(join(dir, "usertesting.duckdb"));
  const connection = await instance.connect();
  await connection.run(`
    CREATE SCHEMA usertesting;
    CREATE TABLE usertesting.usertesting.tests (test_id VARCHAR, title VARCHAR, test_type VARCHAR, session_count BIGINT, answers JSON);
    INSERT INTO usertesting.usertesting.tests VALUES
      ('t1', 'Checkout, "v2"', 'survey', 12, '{"a": [1, 2]}'),
      ('t2', '日本のテスト', NULL, 3, NULL),
      ('t3', '${"x".repeat(80)}', 'survey', 9007199254740993, '[]');
  `);
  connection.closeSync();
  instance.closeSync();
  writeFileSync(join(dir, "notes.txt"), "not a database\n");
  writeFileSync(join(dir, "target.json"), JSON.stringify({ database: join(dir, "usertesting.duckdb") }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const query = (args: string[], cwd = dir) => runCli("tap.ts", ["query", ...args], { cwd });

describe("tap-usertesting query", () => {
  it("runs SQL on ./usertesting.duckdb with plain table names and prints an aligned table", async () => {
    const run = await query([
      "SELECT test_type, count(*) AS tests, sum(session_count) AS sessions FROM tests WHERE test_id <> 't3' GROUP BY 1 ORDER BY 1",
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      [
        "test_type  tests  sessions",
        "---------  -----  --------",
        "survey         1        12",
        "NULL           1         3",
        "(2 rows)",
        "",
      ].join("\n"),
    );
  });

  it("aligns wide characters, and cuts long cells in text (csv and json keep them whole)", async () => {
    const text = await query(["SELECT test_id, title FROM tests ORDER BY test_id"]);
    expect(text.stdout.split("\n").slice(0, 5)).toEqual([
      `test_id  title${" ".repeat(55)}`.trimEnd(),
      `-------  ${"-".repeat(60)}`,
      't1       Checkout, "v2"',
      "t2       日本のテスト",
      `t3       ${"x".repeat(59)}…`,
    ]);
    const csv = await query([
      "--format",
      "csv",
      "SELECT test_id, title, test_type FROM tests ORDER BY test_id",
    ]);
    expect(csv.stdout).toBe(
      `test_id,title,test_type\nt1,"Checkout, ""v2""",survey\nt2,日本のテスト,\nt3,${"x".repeat(80)},survey\n`,
    );
    const json = await query([
      "--format",
      "json",
      "SELECT test_id, session_count, answers FROM tests ORDER BY 1",
    ]);
    expect(JSON.parse(json.stdout)).toEqual([
      { test_id: "t1", session_count: 12, answers: { a: [1, 2] } },
      { test_id: "t2", session_count: 3, answers: null },
      { test_id: "t3", session_count: "9007199254740993", answers: [] },
    ]);
  });

  it("reads the database and schema from --database/--schema or --target-config, from any folder", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "tap-query-cwd-"));
    try {
      for (const args of [
        ["--database", join(dir, "usertesting.duckdb"), "--schema", "usertesting"],
        ["--target-config", join(dir, "target.json")],
      ]) {
        const run = await query([...args, "--format", "csv", "SELECT count(*) AS n FROM tests"], elsewhere);
        expect(run.stderr).toBe("");
        expect(run.stdout).toBe("n\n3\n");
      }
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("runs several statements in order and prints the last one's result", async () => {
    const run = await query(["--format", "csv", "SET threads = 1; SELECT current_schema() AS s"]);
    expect(run.stdout).toBe("s\nusertesting\n");
  });

  it.each([
    [
      "a schema-qualified name DuckDB finds ambiguous",
      ["SELECT count(*) FROM usertesting.tests"],
      'Ambiguous reference to catalog or schema "usertesting" - use a fully qualified path like "usertesting.usertesting". The query command puts schema usertesting on the search path: name tables plainly (FROM tests), or in full (usertesting.usertesting.tests).',
    ],
    [
      "a table that does not exist",
      ["SELECT * FROM sessions"],
      "The query failed: Catalog Error: Table with name sessions does not exist! Did you mean",
    ],
    ["bad SQL", ["SELEC 1"], 'The query failed: Parser Error: syntax error at or near "SELEC".'],
    ["SQL with no statement", ["  -- nothing"], "The SQL holds no statement to run."],
    [
      "a write (the database is opened read-only)",
      ["DELETE FROM tests"],
      "attached in read-only mode! The query command opens the database read-only",
    ],
    [
      "a missing database",
      ["--database", "nope.duckdb", "SELECT 1"],
      "There is no database at nope.duckdb. Sync first (tap-usertesting sync, or npm run demo), or name the file with --database.",
    ],
    [
      "a file that is not a DuckDB database",
      ["--database", "notes.txt", "SELECT 1"],
      "notes.txt is not a DuckDB database",
    ],
    [
      "a schema the database does not have",
      ["--schema", "ut", "SELECT 1"],
      "usertesting.duckdb has no schema ut (it has main, usertesting). Name the schema of the tables with --schema.",
    ],
    ["no SQL", [], 'Give the SQL to run: tap-usertesting query "SELECT * FROM tests LIMIT 5"'],
    ["unquoted SQL", ["SELECT", "1"], "Give the SQL as one argument, in quotes (got 2 arguments)"],
    ["an unknown format", ["--format", "xml", "SELECT 1"], "--format must be text, csv or json, not 'xml'."],
    ["an unknown option", ["--bogus", "SELECT 1"], "Unknown option '--bogus'"],
  ])("refuses %s in one paragraph with exit code 2", async (_case, args, message) => {
    const run = await query(args);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toMatch(/^tap-usertesting: [^\n]+\n$/);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
  });

  it("prints its usage with --help, and tap-usertesting --help lists it", async () => {
    expect((await query(["--help"])).stdout).toContain(
      'tap-usertesting query [--database FILE] [--schema NAME] [--target-config FILE]\n                        [--format text|csv|json] "SQL"',
    );
    expect((await runCli("tap.ts", ["--help"])).stdout).toContain(
      'tap-usertesting query [--database FILE] [--schema NAME] [--format text|csv|json] "SQL"',
    );
  });
});
