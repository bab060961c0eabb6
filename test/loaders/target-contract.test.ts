import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { TargetInputError } from "../../src/loaders/core/target-errors.js";
import { runTarget } from "../../src/loaders/run-target.js";
import { memoryLogger } from "../../src/log/logger.js";
import { bigqueryHarness, bigqueryLiveHarness } from "./harnesses/bigquery-harness.js";
import { duckdbHarness } from "./harnesses/duckdb-harness.js";
import type { LoadedTables, LoaderHarness } from "./harnesses/loader-harness.js";
import { snowflakeHarness, snowflakeLiveHarness } from "./harnesses/snowflake-harness.js";

/**
 * One corpus of .singer files, run through every loader: each must end with the same tables,
 * read back through its own client, and pass on the same STATEs. A new loader adds its harness
 * (test/loaders/harnesses/) to this list, and nothing else.
 */
const HARNESSES: LoaderHarness[] = [
  duckdbHarness,
  snowflakeHarness,
  snowflakeLiveHarness,
  bigqueryHarness,
  bigqueryLiveHarness,
];
const LIVE = new Map<LoaderHarness, string>([
  [snowflakeLiveHarness, "snowflake (live account)"],
  [bigqueryLiveHarness, "bigquery (live project)"],
]);

const us = (iso: string, micros = 0) => String(Date.parse(iso) * 1000 + micros);

/** A fixture's lines as bytes, as target-duckdb reads them; or given lines as they are. */
async function* lines(input: string | Buffer[]): AsyncGenerator<Buffer> {
  const all = typeof input === "string" ? readFixture(input) : input;
  yield* all;
}

function readFixture(file: string): Buffer[] {
  return readFileSync(`test/fixtures/singer/${file}`, "utf8")
    .split("\n")
    .map((line) => Buffer.from(line));
}

for (const harness of HARNESSES) {
  const name = LIVE.get(harness) ?? harness.factory.name;
  const skip = harness.skipReason();
  describe.skipIf(skip !== null)(`${name} loader contract${skip ? ` (skipped: ${skip})` : ""}`, () => {
    const opened: LoadedTables[] = [];
    afterEach(async () => {
      for (const tables of opened.splice(0)) await tables.close();
    });

    async function load(file: string | Buffer[], batchSizeRows = 10_000) {
      const tables = await harness.open();
      opened.push(tables);
      const { logger } = memoryLogger();
      const setup = harness.factory.create(
        {
          batch_size_rows: batchSizeRows,
          batch_max_bytes: 1 << 26,
          batch_max_age_seconds: 60,
          ...tables.settings,
        },
        logger,
      );
      const states: unknown[] = [];
      let error: unknown;
      try {
        await runTarget({ ...setup, lines: lines(file), emitState: (s) => void states.push(s), logger });
      } catch (e) {
        error = e;
      }
      return { states, error, tables };
    }

    it("upserts on the key: the last record wins, within a batch and across batches", async () => {
      for (const batch of [1, 2, 10_000]) {
        const { states, tables, error } = await load("key-updates.singer", batch);
        expect(error).toBeUndefined();
        expect(states).toEqual(
          [{ bookmark: 1 }, { bookmark: 2 }, { bookmark: 3 }].slice(batch === 10_000 ? 2 : 0),
        );
        expect(await tables.rows("people", ["id", "name", "tags", "profile"])).toEqual([
          {
            id: "1",
            name: "Ada Lovelace",
            tags: null,
            profile: { lang: "en", nested: { deep: [1, 2, { x: null }] } },
          },
          { id: "2", name: "Bob", tags: null, profile: null },
          { id: "3", name: "Zoë 渡辺 😀", tags: null, profile: null },
        ]);
      }
    });

    it("types columns from the schema: timestamps keep their zone and microseconds, objects and arrays are JSON", async () => {
      const { tables } = await load("key-updates.singer", 1);
      // 10:00:00.123456 at +02:00 is 08:00:00.123456 UTC.
      expect((await tables.rows("people", ["id", "joined"])).map((r) => r.joined)).toEqual([
        null,
        us("2026-01-01T08:00:00Z", 123456),
        null,
      ]);
      const columns = await tables.columns("people");
      expect([...(columns?.values() ?? [])]).toEqual([
        "integer",
        "string",
        "timestamp",
        "json",
        "json",
        "timestamp",
        "timestamp",
        "timestamp",
        "integer",
      ]);
    });

    it("writes no duplicates when a key repeats, in one batch or several", async () => {
      for (const batch of [1, 10_000]) {
        const { tables } = await load("duplicates.singer", batch);
        expect(await tables.rows("people", ["id", "name"])).toEqual([{ id: "1", name: "fourth" }]);
      }
    });

    it("adds columns and widens types when a later SCHEMA asks, never dropping data", async () => {
      const { tables, error, states } = await load("schema-change.singer", 1);
      expect(error).toBeUndefined();
      expect(states).toHaveLength(4);
      const rows = await tables.rows("people", ["id", "name", "score"]);
      expect(rows.map((r) => [r.id, r.name])).toEqual([
        ["1", "Ada"],
        ["2", "Bob"],
        ["3", "Cy"],
        ["4", null],
      ]);
      // The widened column holds every value, each in the text form of its warehouse.
      expect([rows[0]?.score, Number(rows[1]?.score), Number(rows[2]?.score), rows[3]?.score]).toEqual([
        null,
        7,
        7.5,
        "high",
      ]);
      expect([...((await tables.columns("people"))?.values() ?? [])]).toContain("string");
    });

    it("appends streams without keys, and accepts ACTIVATE_VERSION", async () => {
      const { tables, error } = await load("no-keys-append.singer");
      expect(error).toBeUndefined();
      expect(await tables.rows("events", ["event"])).toEqual([{ event: "open" }, { event: "open" }]);
    });

    it("quotes every name: reserved words as table and columns, unicode names, nested JSON", async () => {
      const { tables, error, states } = await load("reserved-words.singer");
      expect(error).toBeUndefined();
      expect(states).toEqual([{ bookmark: 1 }]);
      expect(
        await tables.rows("order", ["select", "group", "start", "order", "from", "Ünïcødé 名前"]),
      ).toEqual([
        {
          select: "1",
          group: "b",
          start: us("2026-05-01T00:00:00Z"),
          order: "first, again",
          from: { x: [1, "二"] },
          "Ünïcødé 名前": "ü",
        },
        { select: "2", group: null, start: null, order: "second", from: null, "Ünïcødé 名前": null },
      ]);
    });

    it("loads every RFC 3339 form as the instant it names, the record's and time_extracted alike", async () => {
      const { tables, error } = await load("loose-timestamps.singer");
      expect(error).toBeUndefined();
      expect(await tables.rows("people", ["id", "joined", "_sdc_extracted_at"])).toEqual([
        { id: "1", joined: us("2026-05-01T10:00:00.250Z"), _sdc_extracted_at: us("2026-05-01T10:00:00Z") },
        {
          id: "2",
          joined: us("2026-05-01T10:00:00.123Z", 456),
          _sdc_extracted_at: us("2026-05-01T10:00:00Z"),
        },
        { id: "3", joined: us("2026-05-01T08:00:00.500Z"), _sdc_extracted_at: null },
      ]);
    });

    it("keeps values exactly: odd column names, integers past 2^53, mixed types, the record's own _sdc values", async () => {
      const { tables, error } = await load("exact-values.singer");
      expect(error).toBeUndefined();
      const rows = await tables.rows("odd names", ["id", `it's "odd"`, "big", "either", "_sdc_sequence"]);
      expect(rows.map(({ _sdc_sequence: _, ...r }) => r)).toEqual([
        { id: "1", [`it's "odd"`]: `quoted ' and "`, big: "9007199254740993", either: "7" },
        { id: "2", [`it's "odd"`]: null, big: null, either: "seven" },
      ]);
      // The record's own _sdc_sequence wins; without one, the target's (microseconds of arrival).
      expect(rows[0]?._sdc_sequence).toBe("42");
      expect(BigInt(String(rows[1]?._sdc_sequence))).toBeGreaterThan(1_000_000n);
    });

    it("refuses a line that is not UTF-8, naming it, and commits nothing of its batch", async () => {
      const input = readFixture("key-updates.singer").slice(0, 3);
      input.push(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
      const { error, tables } = await load(input);
      expect(error).toBeInstanceOf(TargetInputError);
      expect((error as TargetInputError).line).toBe(4);
      expect((error as Error).message).toContain("not UTF-8 text");
      expect(await tables.rows("people", ["id"])).toEqual([]);
    });

    it.each([
      ["an integer past 64 bits", '{"id": 99999999999999999999, "name": "Cy"}'],
      ["a repeated key", '{"id": 3, "name": "Cy", "name": "Cyd"}'],
      ["a lone surrogate", '{"id": 3, "name": "\\ud800"}'],
    ] as const)("handles a record JSON.parse accepts but a warehouse may not: %s", async (kind, record) => {
      const outcome = harness.unloadable[kind];
      const input = readFixture("unloadable-records.singer").filter((line) => line.length > 0);
      input[4] = Buffer.from(`{"type": "RECORD", "stream": "people", "record": ${record}}`);
      input.push(Buffer.from('{"type": "RECORD", "stream": "people", "record": {"id": 4}}'));
      for (const batch of [1, 10_000]) {
        const { error, states, tables } = await load(input, batch);
        const ids = (await tables.rows("people", ["id"])).map((r) => r.id);
        if (outcome === "loaded") {
          expect(error).toBeUndefined();
          expect(ids).toContain("4");
          continue;
        }
        expect(error).toBeDefined();
        if (outcome === "refused, naming its input line") {
          expect(error).toBeInstanceOf(TargetInputError);
          expect((error as TargetInputError).line).toBe(5);
          expect((error as TargetInputError).stream).toBe("people");
        }
        expect(states).toEqual(batch === 1 ? [{ bookmark: 1 }] : []);
        expect(ids).toEqual(batch === 1 ? ["1", "2"] : []);
      }
    });

    it.each([
      ["bad-time-extracted.singer", 5, "people", '"time_extracted" is not a timestamp ("yesterday")'],
      ["record-before-schema.singer", 4, "ghosts", "RECORD before the stream's SCHEMA"],
      ["not-json.singer", 5, null, "not JSON ({this is not json)"],
      ["invalid-record.singer", 5, "people", "the record does not match its schema: 'id' must be integer"],
    ])(
      "stops on %s at line %i, commits nothing of the failed batch, and passes on no STATE past the last durable one",
      async (file, line, stream, reason) => {
        const { error, states, tables } = await load(file, 10_000);
        expect(error).toBeInstanceOf(TargetInputError);
        expect((error as TargetInputError).line).toBe(line);
        expect((error as TargetInputError).stream).toBe(stream);
        expect((error as Error).message).toContain(reason);
        // With one big batch, nothing was durable, so no STATE may have been passed on.
        expect(states).toEqual([]);
        expect(await tables.rows("people", ["id"])).toEqual([]);
        // With one-record batches, exactly what came before the last passed-on STATE is there.
        const small = await load(file, 1);
        expect(small.states).toEqual([{ bookmark: 1 }]);
        expect((await small.tables.rows("people", ["id"])).map((r) => r.id)).toEqual(
          file === "record-before-schema.singer" ? ["1"] : ["1", "2"],
        );
      },
    );
  });
}
