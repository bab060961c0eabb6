import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BigQuery } from "@google-cloud/bigquery";
import { afterEach, describe, expect, it } from "vitest";
import { type BigQueryLocal, startBigQueryLocal } from "../../src/emulators/bigquery/index.js";
import { BIGQUERY_DIALECT } from "../../src/loaders/bigquery/bigquery-dialect.js";
import type { Loader } from "../../src/loaders/core/loader.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { STREAMS } from "../../src/streams/registry.js";
import { expectedKeys, expectedRowCounts } from "../helpers/expected-tables.js";
import { killThriceThenFinish } from "../helpers/loader-killer.js";
import { useSandbox } from "../helpers/sandbox.js";
import { type SyncIntoOptions, syncInto } from "../helpers/sync-into.js";
import { liveBigQueryMissing, livePlace, localClient } from "../loaders/harnesses/bigquery-harness.js";

const TABLES = STREAMS.filter((s) => s.selectedByDefault !== false);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function useServer(): Promise<BigQueryLocal> {
  const server = await startBigQueryLocal({});
  cleanups.push(() => server.close());
  return server;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sync-bigquery-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Where a spec loads: the target's settings (as TARGET_BIGQUERY_* variables) and a reader. */
interface Warehouse {
  env: Record<string, string>;
  client: BigQuery;
  project: string;
  dataset: string;
}

const local = (server: BigQueryLocal): Warehouse => ({
  env: {
    TARGET_BIGQUERY_PROJECT: "local-project",
    TARGET_BIGQUERY_DATASET: "usertesting",
    TARGET_BIGQUERY_API_ENDPOINT: server.url,
  },
  client: localClient(server.url),
  project: "local-project",
  dataset: "usertesting",
});

const LIVE_MISSING = liveBigQueryMissing();

/** A real project: each spec gets a dataset of its own, deleted after. */
function live(): Warehouse {
  const place = livePlace("tap_usertesting_e2e");
  cleanups.push(() => place.close());
  // The same settings as TARGET_BIGQUERY_* variables, as a user would give them.
  const env = Object.fromEntries(
    Object.entries(place.settings).map(([key, value]) => [
      `TARGET_BIGQUERY_${key.toUpperCase()}`,
      String(value),
    ]),
  );
  return { env, client: place.client, project: place.project, dataset: place.dataset };
}

const sync = (sandbox: Sandbox, warehouse: Warehouse, options: SyncIntoOptions & { rows?: string } = {}) =>
  syncInto(
    sandbox,
    "bigquery",
    { ...warehouse.env, TARGET_BIGQUERY_BATCH_SIZE_ROWS: options.rows ?? "3000" },
    options,
  );

/** Rows, duplicate keys and the sorted keys of every table, read with the real client. */
async function tables(warehouse: Warehouse) {
  const out: Record<string, { rows: number; duplicateKeys: number; keys: string[] }> = {};
  const query = async (sql: string) =>
    (
      await warehouse.client.query({ query: sql, location: warehouse.env.TARGET_BIGQUERY_LOCATION ?? "US" })
    )[0] as Array<Record<string, unknown>>;
  for (const stream of TABLES) {
    const table = `\`${warehouse.project}.${warehouse.dataset}.${BIGQUERY_DIALECT.tableName(stream.name)}\``;
    const keys = stream.keyProperties.map((k) => `\`${BIGQUERY_DIALECT.columnName(k)}\``);
    const [dupes] = await query(
      `SELECT COUNT(*) AS n FROM (SELECT ${keys.join(", ")} FROM ${table} GROUP BY ${keys.join(", ")} HAVING COUNT(*) > 1)`,
    );
    const all = await query(
      `SELECT ${keys.map((k, i) => `CAST(${k} AS STRING) AS k${i}`).join(", ")} FROM ${table}`,
    );
    out[stream.name] = {
      rows: all.length,
      duplicateKeys: Number(dupes?.n),
      keys: all.map((r) => keys.map((_, i) => String(r[`k${i}`])).join("|")).sort(),
    };
  }
  return out;
}

const counts = (t: Awaited<ReturnType<typeof tables>>) =>
  Object.fromEntries(Object.entries(t).map(([name, v]) => [name, v.rows]));

const WAREHOUSES: Array<[string, string | null, () => Promise<Warehouse>]> = [
  ["fake-backed: local BigQuery-protocol server", null, async () => local(await useServer())],
  ["live project", LIVE_MISSING.length ? `set ${LIVE_MISSING.join(" and ")}` : null, async () => live()],
];

describe.each(WAREHOUSES)("sync into BigQuery (%s)", (_where, skip, open) => {
  describe.skipIf(skip !== null)(skip ? `skipped: ${skip}` : "runs", () => {
    it("loads tables equal to the sandbox's truth; a second full run adds no duplicates; an incremental run adds the new sessions", async () => {
      const sandbox = await useSandbox({ workspaces: 2, largeTestSessions: 0, apiShapes: "openapi" });
      const warehouse = await open();
      const stateFile = join(tempDir(), "state.json");
      expect((await sync(sandbox, warehouse, { stateFile })).error).toBeUndefined();
      const loaded = await tables(warehouse);
      expect(counts(loaded)).toEqual(expectedRowCounts(sandbox));
      expect({ sessions: loaded.sessions?.keys, tests: loaded.tests?.keys }).toEqual(expectedKeys(sandbox));
      expect((await sync(sandbox, warehouse)).error).toBeUndefined();
      const again = await tables(warehouse);
      expect(counts(again)).toEqual(expectedRowCounts(sandbox));
      for (const [name, t] of Object.entries(again)) expect(t.duplicateKeys, name).toBe(0);
      sandbox.data.advanceEpoch();
      expect((await sync(sandbox, warehouse, { stateFile })).error).toBeUndefined();
      expect(counts(await tables(warehouse))).toEqual(expectedRowCounts(sandbox));
    }, 180_000);

    it.each([1, 2, 3])(
      "ends complete and without duplicates when killed at random moments and resumed (seed %i)",
      async (seed) => {
        const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 20, largeTestSessions: 0 });
        const warehouse = await open();
        const stateFile = join(tempDir(), "state.json");
        // A loader that dies on its n-th call: mid-stage, mid-merge or at commit.
        const killed = await killThriceThenFinish(
          { seed, first: { at: 3, spread: 9 }, next: { after: 3, spread: 11 } },
          (wrap) => sync(sandbox, warehouse, { stateFile, wrap, rows: "600" }),
        );
        expect(killed).toBe(3);
        const loaded = await tables(warehouse);
        expect(counts(loaded)).toEqual(expectedRowCounts(sandbox));
        for (const [name, t] of Object.entries(loaded)) expect(t.duplicateKeys, name).toBe(0);
      },
      180_000,
    );
  });
});

describe("sync into BigQuery, what only the local server can show (fake-backed: local BigQuery-protocol server)", () => {
  it("never calls insertAll: every row arrives by a load job, and each flush's MERGEs run as one script", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const server = await useServer();
    const run = await sync(sandbox, local(server), { rows: "500" });
    expect(run.error).toBeUndefined();
    expect(counts(await tables(local(server)))).toEqual(expectedRowCounts(sandbox));
    expect(server.requests.filter((r) => /insertAll/.test(r.path))).toEqual([]);
    const loads = server.jobs.filter((j) => j.configuration.load).length;
    const scripts = server.jobs.filter((j) =>
      /^BEGIN TRANSACTION/.test(String((j.configuration.query as { query?: string })?.query)),
    ).length;
    expect(scripts).toBeGreaterThan(1);
    // One load job a stream a flush, at least one stream a flush.
    expect(loads).toBeGreaterThanOrEqual(scripts);
    expect(server.requests.filter((r) => r.route === "jobs.upload").length).toBe(loads);
  }, 60_000);

  it("retries a flush whose MERGE job ends in backendError, and its transaction leaves nothing half-done", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const server = await useServer();
    let armed = true;
    // The MERGE script of the first flush ends with errorResult backendError.
    const failFirstMerge = (loader: Loader): Loader =>
      new Proxy(loader, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (property !== "commit" || typeof value !== "function") return value;
          return async () => {
            if (armed) {
              armed = false;
              server.faults.failJob();
            }
            return value.apply(target);
          };
        },
      });
    const run = await sync(sandbox, local(server), { wrap: failFirstMerge });
    expect(run.error).toBeUndefined();
    expect(run.logs.some((l) => l.includes("retrying on a fresh connection"))).toBe(true);
    const loaded = await tables(local(server));
    expect(counts(loaded)).toEqual(expectedRowCounts(sandbox));
    for (const [name, t] of Object.entries(loaded)) expect(t.duplicateKeys, name).toBe(0);
  }, 60_000);
});
