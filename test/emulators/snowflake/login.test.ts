import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { connect, connectError, useSnowflakeLocal } from "./helpers.js";

const keyPair = () =>
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });

describe("snowflake-local login and sessions (fake-backed: local Snowflake-protocol server)", () => {
  it("takes any user and password when no users are registered, and names the session's context", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server, { username: "anyone", password: "anything", schema: "public" });
    const [row] = await client.run("select 1 as one");
    expect(row).toEqual({ ONE: 1 });
    expect(server.logins).toEqual([{ user: "anyone", authenticator: "SNOWFLAKE", ok: true, reason: null }]);
    expect(server.sessionCount()).toBe(1);
  });

  it("refuses a wrong password for a registered user with Snowflake's 390100", async () => {
    const server = await useSnowflakeLocal({ users: [{ name: "loader", password: "right" }] });
    const error = await connectError(server, { username: "loader", password: "wrong" });
    expect(error.code).toBe("390100");
    expect(error.message).toBe("Incorrect username or password was specified.");
    await expect(connect(server, { username: "LOADER", password: "right" })).resolves.toBeDefined();
  });

  it("logs in with a key pair: the driver's JWT verifies against the registered public key", async () => {
    const { publicKey, privateKey } = keyPair();
    const server = await useSnowflakeLocal({ users: [{ name: "LOADER", publicKey }] });
    const client = await connect(server, { authenticator: "SNOWFLAKE_JWT", privateKey, password: undefined });
    expect(await client.run("select 'key' as via")).toEqual([{ VIA: "key" }]);
    expect(server.logins.at(-1)).toMatchObject({ authenticator: "SNOWFLAKE_JWT", ok: true });
  });

  it("refuses a key pair whose key is not the registered one with 390144, and says why in its own log", async () => {
    const registered = keyPair();
    const other = keyPair();
    const server = await useSnowflakeLocal({ users: [{ name: "LOADER", publicKey: registered.publicKey }] });
    const error = await connectError(server, {
      authenticator: "SNOWFLAKE_JWT",
      privateKey: other.privateKey,
      password: undefined,
    });
    expect(error.code).toBe("390144");
    expect(error.message).toBe("JWT token is invalid.");
    expect(server.logins.at(-1)?.reason).toMatch(/signature does not verify/);
    const unknown = await connectError(server, {
      username: "stranger",
      authenticator: "SNOWFLAKE_JWT",
      privateKey: other.privateKey,
      password: undefined,
    });
    expect(unknown.code).toBe("390144");
    expect(server.logins.at(-1)?.reason).toMatch(/no public key registered for user stranger/);
  });

  it("expires the session token after sessionTtlSeconds (390112); the driver renews it and the statement runs once", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const server = await useSnowflakeLocal({ sessionTtlSeconds: 60, clock: { now: () => now } });
    const client = await connect(server);
    await client.run("create table events (id int)");
    now += 61_000;
    await client.run("insert into events values (1)");
    expect(await client.run("select count(*) as n from events")).toEqual([{ N: 1 }]);
    const codes = server.requests.map((r) => `${r.route}${r.code ? ` ${r.code}` : ""}`);
    expect(codes.filter((c) => c === "query 390112")).toHaveLength(1);
    expect(codes.filter((c) => c === "token")).toHaveLength(1);
    expect(server.statements.filter((s) => s.sqlText.startsWith("insert"))).toHaveLength(1);
  });

  it("answers the heartbeat and ends the session when the driver destroys the connection", async () => {
    const server = await useSnowflakeLocal();
    const client = await connect(server);
    await expect(client.connection.isValidAsync()).resolves.toBe(true);
    await new Promise<void>((resolve) => client.connection.destroy(() => resolve()));
    expect(server.sessionCount()).toBe(0);
    expect(server.requests.map((r) => r.route)).toContain("session-delete");
  });
});
