import type { BigQuery } from "@google-cloud/bigquery";
import { describe, expect, it } from "vitest";
import { connect, useBigQueryLocal } from "./helpers.js";

const TARGET = "`local-project.raw.sessions`";
const STAGE = "`local-project.raw.sessions_stage`";

/** The upsert a loader sends: newest staged row per key, matched with IS NOT DISTINCT FROM. */
const MERGE = `MERGE ${TARGET} AS T
USING (
  SELECT * FROM ${STAGE}
  QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY seq DESC) = 1
) AS S
ON T.id IS NOT DISTINCT FROM S.id
WHEN MATCHED THEN UPDATE SET title = S.title, payload = S.payload
WHEN NOT MATCHED THEN INSERT (id, title, payload) VALUES (S.id, S.title, S.payload)`;

async function setUp(bigquery: BigQuery) {
  await bigquery.createDataset("raw");
  await bigquery.query(`CREATE TABLE ${TARGET} (id INT64, title STRING, payload JSON)`);
  await bigquery.query(`CREATE TABLE ${STAGE} (id INT64, seq INT64, title STRING, payload JSON)`);
  await bigquery.query(`INSERT INTO ${TARGET} (id, title, payload) VALUES (1, 'old', JSON '{"v": 1}')`);
}

const rowsOf = async (bigquery: BigQuery) =>
  (
    await bigquery.query(`SELECT id, title, TO_JSON_STRING(payload) AS payload FROM ${TARGET} ORDER BY id`)
  )[0];

async function failure(bigquery: BigQuery, query: string) {
  const [job] = await bigquery.createQueryJob({ query, location: "US" });
  try {
    await job.getQueryResults();
  } catch (error) {
    const e = error as { code: number; message: string; errors: Array<{ reason: string }> };
    return { code: e.code, reason: e.errors?.[0]?.reason, message: e.message, job };
  }
  throw new Error("the query succeeded where it should fail");
}

describe("bigquery-local MERGE and transactions (fake-backed: local BigQuery-protocol server)", () => {
  it("upserts with MERGE … QUALIFY ROW_NUMBER() = 1: updates the matched row, inserts the new one", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await setUp(bigquery);
    await bigquery.query(
      `INSERT INTO ${STAGE} (id, seq, title, payload) VALUES (1, 1, 'stale', NULL), (1, 2, 'new', JSON '{"v": 2}'), (2, 1, 'two', NULL)`,
    );
    const [job] = await bigquery.createQueryJob({ query: MERGE, location: "US" });
    await job.getQueryResults();
    const [metadata] = await job.getMetadata();
    expect(metadata.statistics.query).toMatchObject({ statementType: "MERGE", numDmlAffectedRows: "2" });
    expect(await rowsOf(bigquery)).toEqual([
      { id: 1, title: "new", payload: '{"v":2}' },
      { id: 2, title: "two", payload: null },
    ]);
  });

  it("refuses a MERGE where several source rows match one target row, and changes nothing", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await setUp(bigquery);
    const error = await failure(
      bigquery,
      `MERGE ${TARGET} T USING (SELECT 1 AS id, 'a' AS title UNION ALL SELECT 1, 'b') S ON T.id = S.id
       WHEN MATCHED THEN UPDATE SET title = S.title`,
    );
    expect(error).toMatchObject({
      code: 400,
      reason: "invalidQuery",
      message: "UPDATE/MERGE must match at most one source row for each target row",
    });
    const [metadata] = await error.job.getMetadata();
    expect(metadata.status.errorResult).toMatchObject({ reason: "invalidQuery" });
    expect(await rowsOf(bigquery)).toEqual([{ id: 1, title: "old", payload: '{"v":1}' }]);
  });

  it("rolls back a BEGIN TRANSACTION script that fails half-way: the table is as it was, and the error says on which line", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await setUp(bigquery);
    const error = await failure(
      bigquery,
      `BEGIN TRANSACTION;
       DELETE FROM ${TARGET} WHERE TRUE;
       INSERT INTO ${TARGET} (id, title) VALUES (5, 'five');
       INSERT INTO ${TARGET} (id, nope) VALUES (6, 'six');
       COMMIT TRANSACTION;`,
    );
    expect(error).toMatchObject({
      reason: "invalidQuery",
      message: "Column nope is not present in table sessions at [4:1]",
    });
    expect(await rowsOf(bigquery)).toEqual([{ id: 1, title: "old", payload: '{"v":1}' }]);
  });

  it("commits a script with COMMIT TRANSACTION, and ROLLBACK TRANSACTION undoes one", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    await setUp(bigquery);
    await bigquery.query(
      `BEGIN TRANSACTION; DELETE FROM ${TARGET} WHERE id = 1; INSERT INTO ${TARGET} (id, title) VALUES (7, 'seven'); COMMIT TRANSACTION;`,
    );
    await bigquery.query(`BEGIN TRANSACTION; DELETE FROM ${TARGET} WHERE TRUE; ROLLBACK TRANSACTION;`);
    expect(await rowsOf(bigquery)).toEqual([{ id: 7, title: "seven", payload: null }]);
  });
});
