import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type BigQueryLocal, startBigQueryLocal } from "../../src/emulators/bigquery/index.js";
import { BIGQUERY_DIALECT } from "../../src/loaders/bigquery/bigquery-dialect.js";
import type { Loader } from "../../src/loaders/core/loader.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { STREAMS } from "../../src/streams/registry.js";
import { expectedRowCounts } from "../helpers/expected-tables.js";
import { LoaderKiller } from "../helpers/loader-killer.js";
import { useSandbox } from "../helpers/sandbox.js";
import { type SyncIntoOptions, syncInto } from "../helpers/sync-into.js";
import { localClient } from "../loaders/harnesses/bigquery-harness.js";

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

const sync = (sandbox: Sandbox, server: BigQueryLocal, options: SyncIntoOptions & { rows?: string } = {}) =>
  syncInto(
    sandbox,
    "bigquery",
    {
      TARGET_BIGQUERY_PROJECT: "local-project",
      TARGET_BIGQUERY_DATASET: "usertesting",
      TARGET_BIGQUERY_API_ENDPOINT: server.url,
      TARGET_BIGQUERY_BATCH_SIZE_ROWS: options.rows ?? "3000",
    },
    options,
  );

/** Rows and duplicate keys of every table, read with the real client. */
async function tables(server: BigQueryLocal) {
  const client = localClient(server.url);
  const out: Record<string, { rows: number; duplicateKeys: number }> = {};
  for (const stream of TABLES) {
    const table = `\`local-project.usertesting.${BIGQUERY_DIALECT.tableName(stream.name)}\``;
    const keys = stream.keyProperties.map((k) => `\`${BIGQUERY_DIALECT.columnName(k)}\``).join(", ");
    const [[count]] = (await client.query({
      query: `SELECT COUNT(*) AS n FROM ${table}`,
      location: "US",
    })) as unknown as [Array<{ n: number }>];
    const [[dupes]] = (await client.query({
      query: `SELECT COUNT(*) AS n FROM (SELECT ${keys} FROM ${table} GROUP BY ${keys} HAVING COUNT(*) > 1)`,
      location: "US",
    })) as unknown as [Array<{ n: number }>];
    out[stream.name] = { rows: Number(count?.n), duplicateKeys: Number(dupes?.n) };
  }
  return out;
}

const counts = (t: Awaited<ReturnType<typeof tables>>) =>
  Object.fromEntries(Object.entries(t).map(([name, v]) => [name, v.rows]));

describe("sync into BigQuery (fake-backed: local BigQuery-protocol server)", () => {
  it("loads tables equal to the sandbox's truth, adds no duplicates on a second run, adds new sessions incrementally, and never calls insertAll", async () => {
    const sandbox = await useSandbox({ workspaces: 2, largeTestSessions: 0, apiShapes: "openapi" });
    const server = await useServer();
    const stateFile = join(tempDir(), "state.json");
    expect((await sync(sandbox, server, { stateFile })).error).toBeUndefined();
    expect(counts(await tables(server))).toEqual(expectedRowCounts(sandbox));
    expect((await sync(sandbox, server)).error).toBeUndefined();
    const again = await tables(server);
    expect(counts(again)).toEqual(expectedRowCounts(sandbox));
    for (const [name, t] of Object.entries(again)) expect(t.duplicateKeys, name).toBe(0);
    sandbox.data.advanceEpoch();
    expect((await sync(sandbox, server, { stateFile })).error).toBeUndefined();
    expect(counts(await tables(server))).toEqual(expectedRowCounts(sandbox));
    expect(server.requests.filter((r) => /insertAll/.test(r.path))).toEqual([]);
  }, 120_000);

  it("ends complete and without duplicates when killed at random moments and resumed", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 20, largeTestSessions: 0 });
    const server = await useServer();
    const stateFile = join(tempDir(), "state.json");
    const killer = new LoaderKiller(5);
    let runs = 0;
    for (; runs < 5; runs++) {
      const run = await sync(sandbox, server, { stateFile, wrap: killer.wrap, rows: "600" });
      if (!run.error) break;
      expect(String(run.error)).toMatch(/killed at loader call/);
      killer.killAt = runs < 2 ? killer.calls + 4 + runs * 3 : Number.POSITIVE_INFINITY;
    }
    expect(runs).toBe(3);
    const loaded = await tables(server);
    expect(counts(loaded)).toEqual(expectedRowCounts(sandbox));
    for (const [name, t] of Object.entries(loaded)) expect(t.duplicateKeys, name).toBe(0);
  }, 120_000);

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
    const run = await sync(sandbox, server, { wrap: failFirstMerge });
    expect(run.error).toBeUndefined();
    expect(run.logs.some((l) => l.includes("retrying on a fresh connection"))).toBe(true);
    const loaded = await tables(server);
    expect(counts(loaded)).toEqual(expectedRowCounts(sandbox));
    for (const [name, t] of Object.entries(loaded)) expect(t.duplicateKeys, name).toBe(0);
  }, 60_000);
});
