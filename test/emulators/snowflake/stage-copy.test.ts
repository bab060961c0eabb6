import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { connect, useSnowflakeLocal, useTempDir } from "./helpers.js";

const ndjson = (records: object[]) => `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;

describe("snowflake-local PUT and COPY INTO (fake-backed: local Snowflake-protocol server)", () => {
  it("PUTs a gzip NDJSON file to the user stage through the driver, COPYs it by column name, and skips it the second time", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    const dir = useTempDir();
    const file = join(dir, "batch-1.ndjson.gz");
    writeFileSync(
      file,
      gzipSync(
        ndjson([
          { id: 1, title: "Checkout", finished_at: "2026-03-01T10:00:00Z", detail: { tasks: [1, 2] } },
          { id: 2, title: "Ünïcødé", finished_at: "2026-03-02T11:30:00Z", detail: [] },
        ]),
      ),
    );
    await client.run(
      "create table sessions (id number, title varchar, finished_at timestamp_tz, detail variant)",
    );

    const put = await client.run(`PUT file://${file} @~/tap/sessions AUTO_COMPRESS=FALSE`);
    expect(put).toMatchObject([
      { source: "batch-1.ndjson.gz", target: "batch-1.ndjson.gz", status: "UPLOADED" },
    ]);
    expect(await client.run("list @~/tap")).toMatchObject([{ name: "tap/sessions/batch-1.ndjson.gz" }]);

    const copy = `copy into sessions from @~/tap/sessions file_format = (type = json compression = gzip)
      match_by_column_name = case_insensitive`;
    expect(await client.run(copy)).toMatchObject([
      { file: "tap/sessions/batch-1.ndjson.gz", status: "LOADED", rows_parsed: 2, rows_loaded: 2 },
    ]);
    const rows = await client.run("select id, title, detail from sessions order by id");
    expect(rows).toEqual([
      { ID: 1, TITLE: "Checkout", DETAIL: { tasks: [1, 2] } },
      { ID: 2, TITLE: "Ünïcødé", DETAIL: [] },
    ]);
    // Snowflake's load metadata: the same file is not loaded twice.
    expect(await client.run(copy)).toEqual([{ status: "Copy executed with 0 files processed." }]);
    expect(await client.run("remove @~/tap/sessions")).toEqual([
      { name: "tap/sessions/batch-1.ndjson.gz", result: "removed" },
    ]);
    expect(await client.run("list @~/tap")).toEqual([]);
  });

  it("compresses a plain file on PUT (AUTO_COMPRESS), loads a temporary stage with a transformation, and merges from the stage", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    const dir = useTempDir();
    const file = join(dir, "tests.ndjson");
    writeFileSync(
      file,
      ndjson([
        { test_id: "a", n: "5" },
        { test_id: "b", n: "7" },
      ]),
    );
    await client.run("create temporary stage load_stage");
    const [put] = await client.run(`put 'file://${file}' @load_stage`);
    expect(put).toMatchObject({ target: "tests.ndjson.gz", targetCompression: "GZIP", status: "UPLOADED" });

    await client.run("create table tests (test_id varchar, n number)");
    await client.run(
      "copy into tests (test_id, n) from (select $1:test_id::varchar, $1:n::number from @load_stage) file_format = (type = 'JSON')",
    );
    expect(await client.run("select * from tests order by test_id")).toEqual([
      { TEST_ID: "a", N: 5 },
      { TEST_ID: "b", N: 7 },
    ]);

    const merged = await client.run(
      `merge into tests t using (select $1:test_id::varchar as test_id, $1:n::number * 10 as n from @load_stage) s
        on t.test_id = s.test_id when matched then update set n = s.n`,
    );
    expect(merged).toEqual([{ "number of rows inserted": 0, "number of rows updated": 2 }]);
    expect(await client.run("select sum(n) as total from tests")).toEqual([{ TOTAL: 120 }]);
  });

  it("refuses JSON into a multi-column table without MATCH_BY_COLUMN_NAME, as Snowflake does", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    const file = join(useTempDir(), "x.ndjson");
    writeFileSync(file, ndjson([{ a: 1 }]));
    await client.run("create table t (a int, b int)");
    await client.run(`put file://${file} @%t`);
    const error = await client.fail("copy into t from @%t file_format = (type = json)");
    expect(error.code).toBe("002019");
    expect(await client.run("select count(*) as n from t")).toEqual([{ N: 0 }]);
  });
});
