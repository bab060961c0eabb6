import { describe, expect, it } from "vitest";
import { connect, useSnowflakeLocal } from "./helpers.js";

describe("snowflake-local faults (fake-backed: local Snowflake-protocol server)", () => {
  it("answers 503 to the n-th query: the driver retries it and the statement runs once", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create table t (id int)");
    server.faults.onQuery(2, { kind: "status", status: 503 });
    await client.run("insert into t values (1)");
    const queries = server.requests.filter((r) => r.route === "query").map((r) => r.status);
    expect(queries).toEqual([200, 503, 200]);
    expect(await client.run("select count(*) as n from t")).toEqual([{ N: 1 }]);
    expect(server.faults.pending).toBe(0);
  });

  it("drops the connection after running a statement: the retry is answered from the first run, not run again", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await client.run("create table t (id int)");
    server.faults.enqueue({ kind: "drop-after-execute" }, "query");
    expect(await client.run("insert into t values (1)")).toEqual([{ "number of rows inserted": 1 }]);
    expect(server.requests.filter((r) => r.route === "query").map((r) => r.fault)).toEqual([
      null,
      "drop-after-execute",
      null,
    ]);
    expect(server.statements.filter((s) => s.sqlText.startsWith("insert"))).toHaveLength(1);
    expect(await client.run("select count(*) as n from t")).toEqual([{ N: 1 }]);
  });
});
