import { describe, expect, it } from "vitest";
import { translate } from "../../../src/emulators/bigquery/sql-translator.js";
import { connect, useBigQueryLocal } from "./helpers.js";

/** GoogleSQL in, DuckDB out: the rewrites a loader's statements rely on. */
const CASES: Array<[name: string, googleSql: string, duckDb: string]> = [
  ["a project.dataset.table path loses its project", "SELECT * FROM `p.d.t`", 'SELECT * FROM "d"."t"'],
  ["a dataset.table path is quoted as it is", "SELECT * FROM `d.t`", 'SELECT * FROM "d"."t"'],
  ["a backtick column is quoted", "SELECT `at` FROM t", 'SELECT "at" FROM t'],
  ["a double-quoted string is a string", 'SELECT "it\'s"', "SELECT 'it''s'"],
  [
    "MERGE gets its INTO",
    "MERGE `d.t` T USING s ON TRUE WHEN NOT MATCHED THEN INSERT ROW",
    'MERGE INTO "d"."t" T USING s ON TRUE WHEN NOT MATCHED THEN INSERT ROW',
  ],
  ["DELETE gets its FROM", "DELETE `d.t` WHERE TRUE", 'DELETE FROM "d"."t" WHERE TRUE'],
  [
    "column types in CREATE TABLE",
    "CREATE TABLE `d.t` (a INT64 NOT NULL, b STRING, c TIMESTAMP, d DATETIME)",
    'CREATE TABLE "d"."t" (a BIGINT NOT NULL, b VARCHAR, c TIMESTAMPTZ, d TIMESTAMP)',
  ],
  [
    "a column type in ALTER TABLE ADD COLUMN",
    "ALTER TABLE `d.t` ADD COLUMN IF NOT EXISTS e NUMERIC",
    'ALTER TABLE "d"."t" ADD COLUMN IF NOT EXISTS e DECIMAL(38,9)',
  ],
  [
    "OPTIONS(…) is dropped from DDL",
    "CREATE TABLE `d.t` (a INT64) OPTIONS(description='x')",
    'CREATE TABLE "d"."t" (a BIGINT) ',
  ],
  ["SAFE_CAST to a BigQuery type", "SELECT SAFE_CAST(x AS INT64)", "SELECT TRY_CAST(x AS BIGINT)"],
  ["a subscript chain", "SELECT j['a']['b']", `SELECT json_extract(json_extract(j, '$."a"'), '$."b"')`],
  ["an array subscript", "SELECT t.j[0]", "SELECT json_extract(t.j, '$[0]')"],
  [
    "a TIMESTAMP literal",
    "SELECT TIMESTAMP '2024-01-01 00:00:00+00'",
    "SELECT CAST('2024-01-01 00:00:00+00' AS TIMESTAMPTZ)",
  ],
  ["COMMIT TRANSACTION", "COMMIT TRANSACTION", "COMMIT "],
];

describe("bigquery-local SQL translation (fake-backed: local BigQuery-protocol server)", () => {
  it.each(CASES)("%s", (_name, googleSql, duckDb) => {
    expect(translate(googleSql)).toBe(duckDb);
  });

  it("runs the rest of the subset on DuckDB with BigQuery's answers", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await bigquery.createDataset("d");
    await bigquery.query("CREATE OR REPLACE TABLE `p.d.t` (id INT64, j JSON)");
    await bigquery.query("CREATE TABLE IF NOT EXISTS `p.d.t` (id INT64, j JSON)");
    await bigquery.query(
      `INSERT \`p.d.t\` (id, j) VALUES (1, PARSE_JSON('{"a": {"b": [10, 2.5, true]}, "s": "x"}'))`,
    );
    await bigquery.query("ALTER TABLE `p.d.t` ADD COLUMN note STRING");
    await bigquery.query("UPDATE `p.d.t` SET note = 'n' WHERE id = 1");
    await bigquery.query("CREATE TABLE `p.d.copy` AS SELECT * FROM `p.d.t`");
    const [rows] = await bigquery.query(`SELECT
        JSON_EXTRACT_SCALAR(j, '$.s') AS s,
        JSON_VALUE(j, '$.a') AS object_value,
        LAX_INT64(j['a']['b'][0]) AS i,
        LAX_FLOAT64(j['a']['b'][1]) AS f,
        LAX_BOOL(j['a']['b'][2]) AS b,
        DATE '2024-02-29' AS day,
        DATETIME('2024-02-29 01:02:03.5') AS local,
        CURRENT_TIMESTAMP() IS NOT NULL AS now_ok,
        LENGTH(GENERATE_UUID()) AS uuid_length,
        note
      FROM \`p.d.copy\``);
    expect(rows).toEqual([
      {
        s: "x",
        object_value: null,
        i: 10,
        f: 2.5,
        b: true,
        day: expect.objectContaining({ value: "2024-02-29" }),
        local: expect.objectContaining({ value: "2024-02-29T01:02:03.500000" }),
        now_ok: true,
        uuid_length: 36,
        note: "n",
      },
    ]);
    await bigquery.query("TRUNCATE TABLE `p.d.copy`");
    expect((await bigquery.query("SELECT COUNT(*) AS n FROM `p.d.copy`"))[0]).toEqual([{ n: 0 }]);
    await expect(bigquery.query("BEGIN TRANSACTION; DELETE FROM `p.d.t` WHERE TRUE;")).rejects.toMatchObject({
      message: "Transaction was never committed or rolled back",
    });
    expect((await bigquery.query("SELECT COUNT(*) AS n FROM `p.d.t`"))[0]).toEqual([{ n: 1 }]);
  });
});
