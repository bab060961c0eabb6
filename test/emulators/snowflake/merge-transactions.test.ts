import { describe, expect, it } from "vitest";
import { connect, useSnowflakeLocal } from "./helpers.js";

describe("snowflake-local MERGE and transactions (fake-backed: local Snowflake-protocol server)", () => {
  it("merges: updates matched rows, inserts the rest, and counts each as Snowflake does", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create table tests (id varchar, title varchar)");
    await client.run("insert into tests values ('a', 'old')");
    const counted = await client.run(
      `merge into tests t using (select column1 as id, column2 as title from values (?, ?), (?, ?)) s
        on t.id = s.id
        when matched then update set t.title = s.title
        when not matched then insert (id, title) values (s.id, s.title)`,
      ["a", "new", "b", "first"],
    );
    expect(counted).toEqual([{ "number of rows inserted": 1, "number of rows updated": 1 }]);
    expect(await client.run("select id, title from tests order by id")).toEqual([
      { ID: "a", TITLE: "new" },
      { ID: "b", TITLE: "first" },
    ]);
  });

  it("refuses a MERGE whose source has two rows for one target row (100090), changing nothing", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create table tests (id varchar, title varchar)");
    await client.run("insert into tests values ('a', 'old')");
    const error = await client.fail(
      `merge into tests t using (select column1 as id, column2 as title from values ('a', 'x'), ('a', 'y')) s
        on t.id = s.id when matched then update set title = s.title`,
    );
    expect(error).toMatchObject({ code: "100090", sqlState: "42P18" });
    expect(error.message).toMatch(/^Duplicate row detected during DML action/);
    expect(await client.run("select title from tests")).toEqual([{ TITLE: "old" }]);
    // Duplicates that only insert are allowed, as in Snowflake.
    await client.run(
      `merge into tests t using (select column1 as id from values ('z'), ('z')) s on t.id = s.id
        when not matched then insert (id) values (s.id)`,
    );
    expect(await client.run("select count(*) as n from tests where id = 'z'")).toEqual([{ N: 2 }]);
  });

  it("keeps transactions per session: another session sees rows only after COMMIT, never after ROLLBACK", async () => {
    const server = await useSnowflakeLocal();
    const writer = await connect(server);
    const reader = await connect(server);
    await writer.run("create table t (id int)");
    await writer.run("begin");
    await writer.run("insert into t values (1)");
    expect(await reader.run("select count(*) as n from t")).toEqual([{ N: 0 }]);
    await writer.run("commit");
    expect(await reader.run("select count(*) as n from t")).toEqual([{ N: 1 }]);
    await writer.run("begin transaction");
    await writer.run("insert into t values (2)");
    await writer.run("rollback");
    expect(await reader.run("select count(*) as n from t")).toEqual([{ N: 1 }]);
    expect(new Set(server.statements.map((s) => s.sessionId)).size).toBe(2);
  });

  it("commits an open transaction before DDL, as Snowflake does", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create table t (id int)");
    await client.run("begin");
    await client.run("insert into t values (1)");
    await client.run("create table u (id int)");
    await client.run("rollback");
    expect(await client.run("select count(*) as n from t")).toEqual([{ N: 1 }]);
  });

  it("keeps temporary tables to their session", async () => {
    const server = await useSnowflakeLocal();
    const one = await connect(server);
    const two = await connect(server);
    await one.run("create temporary table stage_rows (id int)");
    await one.run("insert into stage_rows values (1)");
    expect(await one.run("select count(*) as n from stage_rows")).toEqual([{ N: 1 }]);
    expect(await two.fail("select * from stage_rows")).toMatchObject({ code: "002003" });
  });
});
