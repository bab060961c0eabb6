import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runTarget } from "../../src/loaders/run-target.js";
import { loadTargetSettings, type TargetSetup, targetByName } from "../../src/loaders/targets.js";
import { memoryLogger } from "../../src/log/logger.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { STREAMS } from "../../src/streams/registry.js";
import { queryRows, tempDatabase } from "../helpers/duckdb.js";
import { expectedRowCounts } from "../helpers/expected-tables.js";
import { killThriceThenFinish } from "../helpers/loader-killer.js";
import { useSandbox } from "../helpers/sandbox.js";
import { type SyncIntoOptions, syncInto } from "../helpers/sync-into.js";
import { runTapOn } from "../helpers/tap.js";

const TABLES = STREAMS.filter((s) => s.selectedByDefault !== false).map((s) => s.name);
const VOLATILE = "_sdc_extracted_at, _sdc_received_at, _sdc_batched_at, _sdc_sequence";

function duckdbTarget(database: string, batchSizeRows = 2000): TargetSetup {
  const { logger } = memoryLogger();
  const target = targetByName("duckdb");
  return target.create(
    loadTargetSettings(target, [], {
      TARGET_DUCKDB_DATABASE: database,
      TARGET_DUCKDB_BATCH_SIZE_ROWS: String(batchSizeRows),
    }),
    logger,
  );
}

const sync = (
  sandbox: Sandbox,
  database: string,
  options: SyncIntoOptions & { batchSizeRows?: number } = {},
) =>
  syncInto(
    sandbox,
    "duckdb",
    {
      TARGET_DUCKDB_DATABASE: database,
      TARGET_DUCKDB_BATCH_SIZE_ROWS: String(options.batchSizeRows ?? 2000),
    },
    options,
  );

/** Every table, without columns that differ from run to run. */
async function snapshot(database: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const exclude = ["sessions", "qx_scores", "qx_task_group_scores"].includes(table)
      ? `${VOLATILE}, extracted_at`
      : VOLATILE;
    out[table] = await queryRows(database, `SELECT * EXCLUDE (${exclude}) FROM ${table} ORDER BY ALL`);
  }
  return out;
}

async function count(database: string, sql: string): Promise<number> {
  return Number((await queryRows(database, sql))[0]?.n);
}

describe("sync into DuckDB", () => {
  it.each(["guides", "openapi"] as const)(
    "loads tables equal to the sandbox's truth, and a second full run adds no duplicates (%s reading)",
    async (shapes) => {
      const sandbox = await useSandbox({ apiShapes: shapes });
      const database = tempDatabase();
      const first = await sync(sandbox, database);
      expect(first.error).toBeUndefined();
      const data = sandbox.data;
      const completed = data.allListedSessions().filter((s) => s.status === "completed");
      const expected = expectedRowCounts(sandbox);
      expect(Object.keys(expected).sort()).toEqual([...TABLES].sort());
      for (const [table, n] of Object.entries(expected))
        expect(await count(database, `SELECT count(*) AS n FROM ${table}`), table).toBe(n);

      // Spot the content: a session's tasks and a transcript's cues, as the truth has them.
      const session = completed.find(
        (s) => data.transcript(s.sessionId) && (data.sessionDetail(s.sessionId)?.tasks.length ?? 0) > 2,
      );
      const tasks = await queryRows(
        database,
        `SELECT task_uuid, position, answer_json FROM tasks WHERE session_id = '${session?.sessionId}' ORDER BY position`,
      );
      expect(tasks.map((t) => t.task_uuid)).toEqual(
        data.sessionDetail(session?.sessionId ?? "")?.tasks.map((t) => t.uuid),
      );
      const [transcript] = await queryRows(
        database,
        `SELECT transcript_vtt, cues FROM transcripts WHERE session_id = '${session?.sessionId}'`,
      );
      expect(transcript?.transcript_vtt).toBe(data.transcript(session?.sessionId ?? "")?.vtt);
      expect(JSON.parse(String(transcript?.cues))).toEqual(
        data
          .transcript(session?.sessionId ?? "")
          ?.cues.map((c) => ({ start_ms: c.startMs, end_ms: c.endMs, speaker: c.speaker, text: c.text })),
      );

      const before = await snapshot(database);
      expect((await sync(sandbox, database)).error).toBeUndefined();
      expect(await snapshot(database)).toEqual(before);
      for (const stream of STREAMS.filter((s) => TABLES.includes(s.name))) {
        const table = stream.name;
        const keys = stream.keyProperties.join(", ");
        expect(
          await count(
            database,
            `SELECT count(*) AS n FROM (SELECT ${keys} FROM ${table} GROUP BY ALL HAVING count(*) > 1)`,
          ),
          table,
        ).toBe(0);
      }
    },
  );

  it("picks up new and newly completed sessions on an incremental run with the state file", async () => {
    const sandbox = await useSandbox();
    const database = tempDatabase();
    const stateFile = `${database}.state.json`;
    expect((await sync(sandbox, database, { stateFile })).error).toBeUndefined();
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    expect(state.bookmarks.sessions.partitions.length).toBeGreaterThan(50);
    sandbox.data.advanceEpoch();
    const second = await sync(sandbox, database, { stateFile });
    expect(second.error).toBeUndefined();
    const truth = sandbox.data.allSessions();
    const rows = await queryRows(database, "SELECT session_id, status FROM sessions");
    expect(new Map(rows.map((r) => [r.session_id, r.status]))).toEqual(
      new Map(truth.map((s) => [s.sessionId, s.status])),
    );
    const newlyCompleted =
      truth.filter((s) => s.status === "completed").length - (await count(database, "SELECT 0 AS n"));
    expect(second.result?.tap.stats.count("sessionDetail")).toBeLessThan(newlyCompleted / 5);
  });

  it.each([
    [1, "guides"],
    [2, "guides"],
    [3, "openapi"],
    [4, "openapi"],
  ] as const)(
    "ends complete and without duplicates when killed at random points and resumed (seed %i, %s reading)",
    async (seed, shapes) => {
      const sandbox = await useSandbox({ apiShapes: shapes });
      const database = tempDatabase();
      const stateFile = `${database}.state.json`;
      const killed = await killThriceThenFinish(
        { seed, first: { at: 20, spread: 40 }, next: { after: 10, spread: 60 } },
        (wrap) => sync(sandbox, database, { stateFile, wrap, batchSizeRows: 300 }),
      );
      expect(killed).toBe(3);
      const clean = tempDatabase();
      expect((await sync(sandbox, clean)).error).toBeUndefined();
      expect(await snapshot(database)).toEqual(await snapshot(clean));
    },
    // Five syncs in one spec: 7–19 s measured on the 2-core VM, whose speed varies by 2x.
    60_000,
  );

  it("makes the same tables as `tap-usertesting | target-duckdb`", async () => {
    const sandbox = await useSandbox({ workspaces: 2, largeTestSessions: 0 });
    const viaSync = tempDatabase();
    expect((await sync(sandbox, viaSync)).error).toBeUndefined();
    const tapRun = await runTapOn(sandbox);
    const viaPipe = tempDatabase();
    const { logger } = memoryLogger();
    const lines = tapRun.sink.messages.map((m) => JSON.stringify(m));
    const states: unknown[] = [];
    await runTarget({
      ...duckdbTarget(viaPipe),
      lines: (async function* () {
        yield* lines;
      })(),
      emitState: (s) => void states.push(s),
      logger,
    });
    expect(await snapshot(viaPipe)).toEqual(await snapshot(viaSync));
    expect(states.at(-1)).toEqual(tapRun.sink.lastState());
  });
});
