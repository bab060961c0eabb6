import type { BigQuery } from "@google-cloud/bigquery";
import { describe, expect, it } from "vitest";
import { connect, ndjsonFile, useBigQueryLocal, useTempDir } from "./helpers.js";

/** Runs a query that must fail and returns the client's ApiError fields. */
async function queryError(bigquery: BigQuery, query: string) {
  try {
    await bigquery.query({ query });
  } catch (error) {
    const e = error as { code: number; message: string; errors: Array<{ reason: string }> };
    return { code: e.code, reason: e.errors?.[0]?.reason, message: e.message };
  }
  throw new Error(`${query} succeeded where it should fail`);
}

async function withTable(bigquery: BigQuery) {
  const [dataset] = await bigquery.createDataset("raw");
  const [table] = await dataset.createTable("sessions", {
    schema: [
      { name: "id", type: "INT64", mode: "REQUIRED" },
      { name: "title", type: "STRING" },
      { name: "at", type: "TIMESTAMP" },
      { name: "payload", type: "JSON" },
      { name: "score", type: "FLOAT64" },
      { name: "ok", type: "BOOL" },
    ],
  });
  const [job] = await table.createLoadJob(
    ndjsonFile(useTempDir(), "rows.json", [
      '{"id": 9007199254740993, "title": "Zoë 🚀 naïve", "at": "2024-03-01T10:00:00.123456Z", "payload": {"n": 7, "s": "x", "tags": ["a", "b"]}, "score": 1.5, "ok": true}',
      { id: 2, title: null, at: null, payload: null, score: null, ok: false },
    ]),
    { sourceFormat: "NEWLINE_DELIMITED_JSON" },
  );
  await job.getMetadata();
  await job.getMetadata();
  return table;
}

describe("bigquery-local queries (fake-backed: local BigQuery-protocol server)", () => {
  it("answers a query job in BigQuery's f/v rows: INT64 past 2^53 exact, TIMESTAMP with micros, JSON and unicode as strings", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await withTable(bigquery);
    const [job] = await bigquery.createQueryJob({
      query: "SELECT id, title, `at`, payload, score, ok FROM `local-project.raw.sessions` ORDER BY id DESC",
      location: "US",
    });
    expect(job.metadata.status.state).toBe("PENDING");
    const [raw, , response] = await job.getQueryResults({ skipParsing: true });
    expect(response?.schema?.fields?.map((f) => `${f.name}:${f.type}`)).toEqual([
      "id:INTEGER",
      "title:STRING",
      "at:TIMESTAMP",
      "payload:JSON",
      "score:FLOAT",
      "ok:BOOLEAN",
    ]);
    expect(raw).toEqual([
      {
        f: [
          { v: "9007199254740993" },
          { v: "Zoë 🚀 naïve" },
          { v: "1709287200123456" },
          { v: '{"n":7,"s":"x","tags":["a","b"]}' },
          { v: "1.5" },
          { v: "true" },
        ],
      },
      { f: [{ v: "2" }, { v: null }, { v: null }, { v: null }, { v: null }, { v: "false" }] },
    ]);
    const [rows] = await job.getQueryResults({ wrapIntegers: true });
    const first = rows[0] as Record<string, { value: string } | string | number | boolean>;
    expect((first.id as { value: string }).value).toBe("9007199254740993");
    expect((first.at as { value: string }).value).toBe("2024-03-01T10:00:00.123456000Z");
    expect(first.payload).toBe('{"n":7,"s":"x","tags":["a","b"]}');
    expect(first.score).toBe(1.5);
    expect(first.ok).toBe(true);
    expect(server.jobs.map((j) => j.status.state)).toEqual(["DONE", "DONE"]);
  });

  it("bigquery.query (jobs.query) translates JSON functions, subscripts, LAX_*, SAFE_CAST and TIMESTAMP()", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await withTable(bigquery);
    const [rows] = await bigquery.query({
      query: `SELECT
          JSON_VALUE(payload, '$.s') AS s,
          JSON_QUERY(payload, '$.tags') AS tags,
          LAX_INT64(payload['n']) AS n,
          LAX_STRING(payload['s']) AS ls,
          STRING(payload['s']) AS str,
          TO_JSON_STRING(payload['tags']) AS tags_text,
          SAFE_CAST('nope' AS INT64) AS bad,
          CAST(id AS STRING) AS id_text,
          TIMESTAMP('2024-01-02 03:04:05.000006+00') AS ts
        FROM \`raw.sessions\` WHERE id > 2`,
      location: "US",
    });
    expect(rows).toEqual([
      {
        s: "x",
        tags: '["a","b"]',
        n: 7,
        ls: "x",
        str: "x",
        tags_text: '["a","b"]',
        bad: null,
        id_text: "9007199254740993",
        ts: expect.objectContaining({ value: "2024-01-02T03:04:05.000006000Z" }),
      },
    ]);
    expect(server.requests.filter((r) => r.route.startsWith("jobs")).map((r) => r.route)).toContain(
      "jobs.query",
    );
  });

  it("refuses an unknown column with invalidQuery 'Unrecognized name' and an unknown table with notFound", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await withTable(bigquery);
    expect(await queryError(bigquery, "SELECT nope FROM `raw.sessions`")).toMatchObject({
      code: 400,
      reason: "invalidQuery",
      message: "Unrecognized name: nope",
    });
    expect(await queryError(bigquery, "SELECT 1 FROM `local-project.raw.missing`")).toMatchObject({
      code: 404,
      reason: "notFound",
    });
  });

  it("runs CREATE TABLE / INSERT / DROP TABLE IF EXISTS with BigQuery types", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await bigquery.createDataset("stage");
    await bigquery.query(
      "CREATE TABLE `local-project.stage.t` (id INT64 NOT NULL, v STRING, `at` TIMESTAMP, j JSON, n NUMERIC) OPTIONS(description='x')",
    );
    const [insert] = await bigquery.createQueryJob(
      "INSERT INTO `local-project.stage.t` (id, v, `at`, j, n) VALUES (1, 'a', TIMESTAMP '2024-01-01 00:00:00+00', JSON '{\"k\": 1}', 1.25)",
    );
    await insert.getQueryResults();
    const [done] = await insert.getMetadata();
    expect(done.statistics.query).toMatchObject({ statementType: "INSERT", numDmlAffectedRows: "1" });
    const [table] = await bigquery.dataset("stage").table("t").getMetadata();
    expect(table.schema.fields.map((f: { type: string }) => f.type)).toEqual([
      "INTEGER",
      "STRING",
      "TIMESTAMP",
      "JSON",
      "NUMERIC",
    ]);
    const [rows] = await bigquery.query("SELECT n, j FROM `stage.t`");
    expect(String(rows[0].n)).toBe("1.25");
    await bigquery.query("DROP TABLE IF EXISTS `local-project.stage.t`");
    await bigquery.query("DROP TABLE IF EXISTS `local-project.stage.t`");
    expect(await bigquery.dataset("stage").table("t").exists()).toEqual([false]);
  });
});
