import { describe, expect, it } from "vitest";
import { connect, useSnowflakeLocal } from "./helpers.js";

describe("snowflake-local queries (fake-backed: local Snowflake-protocol server)", () => {
  it("creates a table, inserts with binds and reads typed values back as Snowflake types", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run(
      `create table sessions (id number(38,0), big number(38,0), score float, title varchar, done boolean,
        finished_at timestamp_tz, detail variant, tags variant)`,
    );
    const inserted = await client.run(
      "insert into sessions select ?, ?, ?, ?, ?, ?, parse_json(?), parse_json(:8)",
      [
        1,
        "9007199254740993",
        4.5,
        "Ünïcødé ✓ 日本",
        true,
        "2026-03-01T10:15:00.250Z",
        JSON.stringify({ a: { b: [1, 2] } }),
        '["x",2]',
      ],
    );
    expect(inserted).toEqual([{ "number of rows inserted": 1 }]);

    const [row] = await client.run("select * from sessions");
    expect(row).toMatchObject({
      ID: 1,
      SCORE: 4.5,
      TITLE: "Ünïcødé ✓ 日本",
      DONE: true,
      DETAIL: { a: { b: [1, 2] } },
      TAGS: ["x", 2],
    });
    expect((row as { FINISHED_AT: Date }).FINISHED_AT.toISOString()).toBe("2026-03-01T10:15:00.250Z");
    // Past 2^53 a JavaScript number cannot hold the value; as a string it is exact.
    const [exact] = await client.run("select big from sessions", undefined, { fetchAsString: ["Number"] });
    expect(exact).toEqual({ BIG: "9007199254740993" });

    const described = await client.run("describe table sessions");
    expect(described.map((c) => [c.name, c.type])).toEqual([
      ["ID", "NUMBER(38,0)"],
      ["BIG", "NUMBER(38,0)"],
      ["SCORE", "FLOAT"],
      ["TITLE", "VARCHAR(16777216)"],
      ["DONE", "BOOLEAN"],
      ["FINISHED_AT", "TIMESTAMP_TZ(9)"],
      ["DETAIL", "VARIANT"],
      ["TAGS", "VARIANT"],
    ]);
  });

  it("resolves unquoted names to upper case and keeps quoted ones exact, reserved words included", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run(
      `create table Raw_Tests (test_id varchar, "ORDER" number, "GROUP" varchar, "START" timestamp_tz, "mixedCase" varchar)`,
    );
    await client.run(
      `insert into RAW_TESTS (TEST_ID, "ORDER", "GROUP", "START", "mixedCase") values ('t1', 2, 'g', '2026-01-01T00:00:00+00:00', 'm')`,
    );
    expect(
      await client.run(`select "TEST_ID", "ORDER", "GROUP", "mixedCase" from "RAW_TESTS" order by "ORDER"`),
    ).toEqual([{ TEST_ID: "t1", ORDER: 2, GROUP: "g", mixedCase: "m" }]);
    const columns = await client.run(
      "select column_name, data_type from information_schema.columns where table_name = 'RAW_TESTS' order by ordinal_position",
    );
    expect(columns).toEqual([
      { COLUMN_NAME: "TEST_ID", DATA_TYPE: "TEXT" },
      { COLUMN_NAME: "ORDER", DATA_TYPE: "NUMBER" },
      { COLUMN_NAME: "GROUP", DATA_TYPE: "TEXT" },
      { COLUMN_NAME: "START", DATA_TYPE: "TIMESTAMP_TZ" },
      { COLUMN_NAME: "mixedCase", DATA_TYPE: "TEXT" },
    ]);
    const shown = await client.run("show columns in table raw_tests");
    expect(shown.map((c) => c.column_name)).toEqual(["TEST_ID", "ORDER", "GROUP", "START", "mixedCase"]);
  });

  it("alters tables: ADD COLUMN (several at once) and RENAME COLUMN", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create schema if not exists analytics.raw");
    await client.run("create table analytics.raw.t (id int)");
    await client.run("alter table analytics.raw.t add column country varchar, score float");
    await client.run("alter table raw.t rename column country to region");
    await client.run("use schema raw");
    expect((await client.run("describe table t")).map((c) => c.name)).toEqual(["ID", "REGION", "SCORE"]);
  });

  it("surfaces Snowflake's codes: 000904 for an unknown column, 002003 for a missing table, 001003 for bad syntax", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create table t (id int)");
    const unknown = await client.fail("select nope from t");
    expect(unknown).toMatchObject({ code: "000904", sqlState: "42000" });
    expect(unknown.message).toMatch(/invalid identifier 'NOPE'/);
    expect(await client.fail("select * from missing")).toMatchObject({ code: "002003", sqlState: "42S02" });
    expect(await client.fail("selec 1")).toMatchObject({ code: "001003", sqlState: "42000" });
    expect(await client.fail("insert into t (nope) values (1)")).toMatchObject({ code: "000904" });
  });

  it("accepts the session commands a loader sends: USE, ALTER SESSION, CREATE DATABASE", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    for (const sql of [
      "alter session set timezone = 'UTC'",
      "use warehouse load_wh",
      "use role loader",
      "create database if not exists analytics",
      "use database analytics",
      "create schema if not exists staging",
      "use schema analytics.staging",
    ])
      await client.run(sql);
    await client.run("create table t (id int)");
    expect(
      await client.run("select table_schema from information_schema.columns where table_name = 'T'"),
    ).toEqual([{ TABLE_SCHEMA: "STAGING" }]);
  });

  it("logs every statement with its session and binds, failures with their code", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create table t (id int, name varchar)");
    await client.run("insert into t values (?, ?)", [
      [1, "a"],
      [2, "b"],
    ]);
    await client.fail("select nope from t");
    const sessionId = server.statements[0]?.sessionId;
    expect(
      server.statements.map(({ sqlText, binds, sessionId: s, error }) => ({
        sqlText,
        binds,
        s,
        code: error?.code ?? null,
      })),
    ).toEqual([
      { sqlText: "create table t (id int, name varchar)", binds: [], s: sessionId, code: null },
      {
        sqlText: "insert into t values (?, ?)",
        binds: [
          ["1", "a"],
          ["2", "b"],
        ],
        s: sessionId,
        code: null,
      },
      { sqlText: "select nope from t", binds: [], s: sessionId, code: "000904" },
    ]);
    expect(await client.run("select count(*) as n from t")).toEqual([{ N: 2 }]);
  });
});
