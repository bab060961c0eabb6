import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SnowflakeLocal, startSnowflakeLocal } from "../../src/emulators/snowflake/index.js";
import type { Loader } from "../../src/loaders/core/loader.js";
import { SNOWFLAKE_DIALECT } from "../../src/loaders/snowflake/snowflake-dialect.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { STREAMS } from "../../src/streams/registry.js";
import { expectedKeys, expectedRowCounts } from "../helpers/expected-tables.js";
import { killThriceThenFinish } from "../helpers/loader-killer.js";
import { useSandbox } from "../helpers/sandbox.js";
import { type SyncIntoOptions, syncInto } from "../helpers/sync-into.js";
import {
  connectReader,
  liveSnowflake,
  liveSnowflakeMissing,
} from "../loaders/harnesses/snowflake-harness.js";

const TABLES = STREAMS.filter((s) => s.selectedByDefault !== false);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function useServer(options: Parameters<typeof startSnowflakeLocal>[0] = {}): Promise<SnowflakeLocal> {
  const server = await startSnowflakeLocal(options);
  cleanups.push(() => server.close());
  return server;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sync-snowflake-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Where a spec loads: the target's settings (as TARGET_SNOWFLAKE_* variables) and a reader. */
interface Warehouse {
  env: Record<string, string>;
  reader: () => ReturnType<typeof connectReader>;
  database: string;
  schema: string;
}

const local = (server: SnowflakeLocal): Warehouse => ({
  env: {
    TARGET_SNOWFLAKE_ACCOUNT: "LOCAL",
    TARGET_SNOWFLAKE_USER: "loader",
    TARGET_SNOWFLAKE_PASSWORD: "loader-password",
    TARGET_SNOWFLAKE_DATABASE: "ANALYTICS",
    TARGET_SNOWFLAKE_ACCESS_URL: server.url,
  },
  reader: () => connectReader(server.url),
  database: "ANALYTICS",
  schema: "USERTESTING",
});

const LIVE_MISSING = liveSnowflakeMissing();

/** A real account from SNOWFLAKE_* variables; each spec gets a schema of its own, dropped after. */
function live(): Warehouse {
  const schema = `TAP_USERTESTING_E2E_${randomBytes(4).toString("hex").toUpperCase()}`;
  const { login, settings, database } = liveSnowflake(schema);
  const reader = () => connectReader(login);
  cleanups.push(async () => {
    const r = await reader();
    await r.run(`DROP SCHEMA IF EXISTS "${database}"."${schema}" CASCADE`).catch(() => undefined);
    await r.close();
  });
  // The same settings as TARGET_SNOWFLAKE_* variables, as a user would give them.
  const env = Object.fromEntries(
    Object.entries(settings)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [`TARGET_SNOWFLAKE_${key.toUpperCase()}`, String(value)]),
  );
  return { env, reader, database, schema };
}

const sync = (
  sandbox: Sandbox,
  warehouse: Warehouse,
  options: SyncIntoOptions & { env?: Record<string, string> } = {},
) =>
  syncInto(
    sandbox,
    "snowflake",
    { TARGET_SNOWFLAKE_BATCH_SIZE_ROWS: "3000", ...warehouse.env, ...options.env },
    options,
  );

/** Row counts and duplicate keys of every table, read with the driver. */
async function tables(warehouse: Warehouse) {
  const reader = await warehouse.reader();
  try {
    const out: Record<string, { rows: number; duplicateKeys: number; keys: string[] }> = {};
    for (const stream of TABLES) {
      const table = `"${warehouse.database}"."${warehouse.schema}"."${SNOWFLAKE_DIALECT.tableName(stream.name)}"`;
      const keys = stream.keyProperties.map((k) => `"${SNOWFLAKE_DIALECT.columnName(k)}"`);
      const [count] = await reader.run(`SELECT COUNT(*) AS N FROM ${table}`);
      const [dupes] = await reader.run(
        `SELECT COUNT(*) AS N FROM (SELECT ${keys.join(", ")} FROM ${table} GROUP BY ${keys.join(", ")} HAVING COUNT(*) > 1)`,
      );
      const all = await reader.run(
        `SELECT ${keys.map((k, i) => `TO_VARCHAR(${k}) AS K${i}`).join(", ")} FROM ${table}`,
      );
      out[stream.name] = {
        rows: Number(count?.N),
        duplicateKeys: Number(dupes?.N),
        keys: all.map((r) => keys.map((_, i) => String(r[`K${i}`])).join("|")).sort(),
      };
    }
    return out;
  } finally {
    await reader.close();
  }
}

const counts = (t: Awaited<ReturnType<typeof tables>>) =>
  Object.fromEntries(Object.entries(t).map(([name, v]) => [name, v.rows]));

const WAREHOUSES: Array<[string, string | null, () => Promise<Warehouse>]> = [
  ["fake-backed: local Snowflake-protocol server", null, async () => local(await useServer())],
  ["live account", LIVE_MISSING.length ? `set ${LIVE_MISSING.join(", ")}` : null, async () => live()],
];

describe.each(WAREHOUSES)("sync into Snowflake (%s)", (_where, skip, open) => {
  describe.skipIf(skip !== null)(skip ? `skipped: ${skip}` : "runs", () => {
    it("loads tables equal to the sandbox's truth; a second full run adds no duplicates; an incremental run adds the new sessions", async () => {
      const sandbox = await useSandbox({ workspaces: 2, largeTestSessions: 0, apiShapes: "openapi" });
      const server = await open();
      const stateFile = join(tempDir(), "state.json");
      const first = await sync(sandbox, server, { stateFile });
      expect(first.error).toBeUndefined();
      const loaded = await tables(server);
      expect(counts(loaded)).toEqual(expectedRowCounts(sandbox));
      expect({ sessions: loaded.sessions?.keys, tests: loaded.tests?.keys }).toEqual(expectedKeys(sandbox));

      expect((await sync(sandbox, server)).error).toBeUndefined();
      const again = await tables(server);
      expect(counts(again)).toEqual(expectedRowCounts(sandbox));
      for (const [name, t] of Object.entries(again)) expect(t.duplicateKeys, name).toBe(0);

      sandbox.data.advanceEpoch();
      const next = await sync(sandbox, server, { stateFile });
      expect(next.error).toBeUndefined();
      expect(counts(await tables(server))).toEqual(expectedRowCounts(sandbox));
    }, 120_000);

    it.each([1, 2])(
      "ends complete and without duplicates when killed at random moments and resumed (seed %i)",
      async (seed) => {
        const sandbox = await useSandbox({ workspaces: 2, largeTestSessions: 0 });
        const server = await open();
        const stateFile = join(tempDir(), "state.json");
        const killed = await killThriceThenFinish(
          { seed, first: { at: 6, spread: 12 }, next: { after: 5, spread: 15 } },
          (wrap) =>
            sync(sandbox, server, { stateFile, wrap, env: { TARGET_SNOWFLAKE_BATCH_SIZE_ROWS: "400" } }),
        );
        expect(killed).toBe(3);
        const loaded = await tables(server);
        expect(counts(loaded)).toEqual(expectedRowCounts(sandbox));
        for (const [name, t] of Object.entries(loaded)) expect(t.duplicateKeys, name).toBe(0);
      },
      180_000,
    );
  });
});

describe("sync into Snowflake, what only the local server can show (fake-backed: local Snowflake-protocol server)", () => {
  it("sends a fixed set of statements a flush: MERGEs for keyed streams, never a row-by-row INSERT", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const server = await useServer();
    expect((await sync(sandbox, local(server))).error).toBeUndefined();
    const merges = server.statements.filter((s) => /^MERGE/i.test(s.sqlText)).length;
    expect(merges).toBeGreaterThan(0);
    expect(server.statements.filter((s) => /^INSERT/i.test(s.sqlText))).toEqual([]);
    // One COPY per MERGE: every batch goes through the stage, in bulk.
    expect(server.statements.filter((s) => /^COPY/i.test(s.sqlText)).length).toBe(merges);
  }, 60_000);

  it("renews an expired session and goes on: the load completes", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    let offset = 0;
    const server = await useServer({ sessionTtlSeconds: 60, clock: { now: () => Date.now() + offset } });
    // After the first commit, two minutes pass on the server: the session token has expired.
    const expireAfterCommit = (loader: Loader): Loader =>
      new Proxy(loader, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== "commit" || typeof value !== "function") return value;
          return async () => {
            await value.apply(target);
            offset += 120_000;
          };
        },
      });
    const run = await sync(sandbox, local(server), {
      wrap: expireAfterCommit,
      env: { TARGET_SNOWFLAKE_BATCH_SIZE_ROWS: "300" },
    });
    expect(run.error).toBeUndefined();
    expect(counts(await tables(local(server)))).toEqual(expectedRowCounts(sandbox));
    expect(server.requests.filter((r) => r.code === "390112").length).toBeGreaterThan(0);
    expect(server.requests.filter((r) => r.route === "token").length).toBeGreaterThan(0);
  }, 60_000);

  it("retries a connection dropped mid-flush and loses nothing", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const server = await useServer();
    // Drop the connection on a statement well into the first flush.
    server.faults.onQuery(12, { kind: "drop" });
    const run = await sync(sandbox, local(server));
    expect(run.error).toBeUndefined();
    expect(counts(await tables(local(server)))).toEqual(expectedRowCounts(sandbox));
    expect(server.requests.some((r) => r.fault === "drop")).toBe(true);
  }, 60_000);

  it("logs in with a key pair, refuses a wrong key clearly, and shows no secret", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 3, largeTestSessions: 0 });
    const pair = () => generateKeyPairSync("rsa", { modulusLength: 2048 });
    const right = pair();
    const wrong = pair();
    const publicPem = right.publicKey.export({ type: "spki", format: "pem" }).toString();
    const server = await useServer({ users: [{ name: "LOADER", publicKey: publicPem }] });
    const dir = tempDir();
    const keyFile = join(dir, "rsa_key.p8");
    writeFileSync(
      keyFile,
      right.privateKey.export({
        type: "pkcs8",
        format: "pem",
        cipher: "aes-256-cbc",
        passphrase: "correct horse",
      }),
    );
    const keyEnv = {
      TARGET_SNOWFLAKE_PASSWORD: "",
      TARGET_SNOWFLAKE_PRIVATE_KEY_PATH: keyFile,
      TARGET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: "correct horse",
    };
    const ok = await sync(sandbox, local(server), { env: keyEnv });
    expect(ok.error).toBeUndefined();

    const wrongPem = wrong.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const refused = await sync(sandbox, local(server), {
      env: { TARGET_SNOWFLAKE_PASSWORD: "", TARGET_SNOWFLAKE_PRIVATE_KEY: wrongPem },
    });
    expect((refused.error as Error).message).toMatch(
      /^Snowflake refused the login of user loader to account LOCAL \(code 390144\): .*Check that the user's RSA_PUBLIC_KEY is the public half of this private key\.$/,
    );
    const everything = [...ok.logs, ...refused.logs, String((refused.error as Error).message)].join("\n");
    for (const secret of [
      "correct horse",
      "BEGIN PRIVATE KEY",
      "BEGIN ENCRYPTED PRIVATE KEY",
      wrongPem.slice(40, 80),
    ])
      expect(everything).not.toContain(secret);
  }, 60_000);
});
