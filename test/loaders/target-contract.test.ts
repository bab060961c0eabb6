import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TargetInputError } from "../../src/loaders/core/target-errors.js";
import { runTarget } from "../../src/loaders/run-target.js";
import { TARGETS, type TargetFactory } from "../../src/loaders/targets.js";
import { memoryLogger } from "../../src/log/logger.js";
import { queryRows, tempDatabase } from "../helpers/duckdb.js";

/**
 * One corpus of .singer files, run through every loader: each must end with the same tables
 * and pass on the same STATEs. A new loader adds an entry here, and nothing else.
 */
interface LoaderUnderTest {
  factory: TargetFactory;
  settings: () => {
    settings: Record<string, unknown>;
    read: (sql: string) => Promise<Array<Record<string, unknown>>>;
  };
}

const LOADERS: Record<string, LoaderUnderTest> = {
  duckdb: {
    factory: TARGETS.duckdb as TargetFactory,
    settings: () => {
      const database = tempDatabase();
      return { settings: { database, schema: "usertesting" }, read: (sql) => queryRows(database, sql) };
    },
  },
};

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

for (const [name, loader] of Object.entries(LOADERS)) {
  describe(`${name} loader contract`, () => {
    async function load(file: string | Buffer[], batchSizeRows = 10_000) {
      const { settings, read } = loader.settings();
      const { logger } = memoryLogger();
      const setup = loader.factory.create(
        { batch_size_rows: batchSizeRows, batch_max_bytes: 1 << 26, batch_max_age_seconds: 60, ...settings },
        logger,
      );
      const states: unknown[] = [];
      let error: unknown;
      try {
        await runTarget({ ...setup, lines: lines(file), emitState: (s) => void states.push(s), logger });
      } catch (e) {
        error = e;
      }
      return { states, error, read };
    }

    it("upserts on the key: the last record wins, within a batch and across batches", async () => {
      for (const batch of [1, 2, 10_000]) {
        const { states, read, error } = await load("key-updates.singer", batch);
        expect(error).toBeUndefined();
        expect(states).toEqual(
          [{ bookmark: 1 }, { bookmark: 2 }, { bookmark: 3 }].slice(batch === 10_000 ? 2 : 0),
        );
        const rows = await read("SELECT id, name, tags, profile FROM people ORDER BY id");
        expect(rows).toEqual([
          {
            id: "1",
            name: "Ada Lovelace",
            tags: null,
            profile: '{"lang":"en","nested":{"deep":[1,2,{"x":null}]}}',
          },
          { id: "2", name: "Bob", tags: null, profile: null },
          { id: "3", name: "Zoë 渡辺 😀", tags: null, profile: null },
        ]);
      }
    });

    it("keeps timestamps with their zone and microseconds, and nested values as JSON", async () => {
      const { read } = await load("key-updates.singer", 1);
      const rows = await read(
        "SELECT id, epoch_us(joined) AS joined, typeof(profile) AS t FROM people ORDER BY id",
      );
      // 10:00:00.123456 at +02:00 is 08:00:00.123456 UTC.
      expect(rows.map((r) => r.joined)).toEqual([
        null,
        String(Date.parse("2026-01-01T08:00:00Z") * 1000 + 123456),
        null,
      ]);
      expect(rows.every((r) => r.t === "JSON")).toBe(true);
      const types = await read(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'people' ORDER BY ordinal_position",
      );
      expect(types.map((t) => `${t.column_name} ${t.data_type}`)).toEqual([
        "id BIGINT",
        "name VARCHAR",
        "joined TIMESTAMP WITH TIME ZONE",
        "tags JSON",
        "profile JSON",
        "_sdc_extracted_at TIMESTAMP WITH TIME ZONE",
        "_sdc_received_at TIMESTAMP WITH TIME ZONE",
        "_sdc_batched_at TIMESTAMP WITH TIME ZONE",
        "_sdc_sequence BIGINT",
      ]);
    });

    it("writes no duplicates when a key repeats, in one batch or several", async () => {
      for (const batch of [1, 10_000]) {
        const { read } = await load("duplicates.singer", batch);
        expect(await read("SELECT id, name FROM people")).toEqual([{ id: "1", name: "fourth" }]);
      }
    });

    it("adds columns and widens types when a later SCHEMA asks, never dropping data", async () => {
      const { read, error, states } = await load("schema-change.singer", 1);
      expect(error).toBeUndefined();
      expect(states).toHaveLength(4);
      expect(await read("SELECT id, name, score FROM people ORDER BY id")).toEqual([
        { id: "1", name: "Ada", score: null },
        { id: "2", name: "Bob", score: "7.0" },
        { id: "3", name: "Cy", score: "7.5" },
        { id: "4", name: null, score: "high" },
      ]);
      const [score] = await read(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'people' AND column_name = 'score'",
      );
      expect(score?.data_type).toBe("VARCHAR");
    });

    it("appends streams without keys, and accepts ACTIVATE_VERSION", async () => {
      const { read, error } = await load("no-keys-append.singer");
      expect(error).toBeUndefined();
      expect(await read("SELECT count(*) AS n FROM events")).toEqual([{ n: "2" }]);
    });

    it("loads every RFC 3339 form as the instant it names, the record's and time_extracted alike", async () => {
      const { read, error } = await load("loose-timestamps.singer");
      expect(error).toBeUndefined();
      const rows = await read(
        "SELECT id, epoch_us(joined) AS joined, epoch_us(_sdc_extracted_at) AS extracted FROM people ORDER BY id",
      );
      const us = (iso: string, micros = 0) => String(Date.parse(iso) * 1000 + micros);
      expect(rows).toEqual([
        { id: "1", joined: us("2026-05-01T10:00:00.250Z"), extracted: us("2026-05-01T10:00:00Z") },
        { id: "2", joined: us("2026-05-01T10:00:00.123Z", 456), extracted: us("2026-05-01T10:00:00Z") },
        { id: "3", joined: us("2026-05-01T08:00:00.500Z"), extracted: null },
      ]);
    });

    it("keeps values exactly: odd column names, integers past 2^53, mixed types, the record's own _sdc values", async () => {
      const { read, error } = await load("exact-values.singer");
      expect(error).toBeUndefined();
      expect(
        await read(
          `SELECT id, "it's ""odd""" AS odd, big, either, _sdc_sequence > 1000000 AS ours FROM odd_names ORDER BY id`,
        ),
      ).toEqual([
        { id: "1", odd: `quoted ' and "`, big: "9007199254740993", either: "7", ours: false },
        { id: "2", odd: null, big: null, either: "seven", ours: true },
      ]);
    });

    it("refuses a line that is not UTF-8, naming it, and commits nothing of its batch", async () => {
      const input = readFixture("key-updates.singer").slice(0, 3);
      input.push(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
      const { error, read } = await load(input);
      expect(error).toBeInstanceOf(TargetInputError);
      expect((error as TargetInputError).line).toBe(4);
      expect((error as Error).message).toContain("not UTF-8 text");
      expect(await read("SELECT count(*) AS n FROM people")).toEqual([{ n: "0" }]);
    });

    it.each([
      [
        "an integer past 64 bits",
        '{"id": 99999999999999999999, "name": "Cy"}',
        /numerical: 99999999999999999999/,
      ],
      ["a repeated key", '{"id": 3, "name": "Cy", "name": "Cyd"}', /duplicate key "name"/],
      ["a lone surrogate", '{"id": 3, "name": "\\ud800"}', /no low surrogate/],
    ])(
      "names the input line of a record JSON.parse accepts but the warehouse cannot load: %s",
      async (_, record, reason) => {
        const input = readFixture("unloadable-records.singer").filter((line) => line.length > 0);
        input[4] = Buffer.from(`{"type": "RECORD", "stream": "people", "record": ${record}}`);
        input.push(Buffer.from('{"type": "RECORD", "stream": "people", "record": {"id": 4}}'));
        for (const batch of [1, 10_000]) {
          const { error, states, read } = await load(input, batch);
          expect(error).toBeInstanceOf(TargetInputError);
          expect((error as TargetInputError).line).toBe(5);
          expect((error as TargetInputError).stream).toBe("people");
          expect((error as Error).message).toMatch(reason);
          expect(states).toEqual(batch === 1 ? [{ bookmark: 1 }] : []);
          expect((await read("SELECT id FROM people ORDER BY id")).map((r) => r.id)).toEqual(
            batch === 1 ? ["1", "2"] : [],
          );
        }
      },
    );

    it.each([
      ["bad-time-extracted.singer", 5, "people", '"time_extracted" is not a timestamp ("yesterday")'],
      ["record-before-schema.singer", 4, "ghosts", "RECORD before the stream's SCHEMA"],
      ["not-json.singer", 5, null, "not JSON ({this is not json)"],
      ["invalid-record.singer", 5, "people", "the record does not match its schema: 'id' must be integer"],
    ])(
      "stops on %s at line %i, commits nothing of the failed batch, and passes on no STATE past the last durable one",
      async (file, line, stream, reason) => {
        const { error, states, read } = await load(file, 10_000);
        expect(error).toBeInstanceOf(TargetInputError);
        expect((error as TargetInputError).line).toBe(line);
        expect((error as TargetInputError).stream).toBe(stream);
        expect((error as Error).message).toContain(reason);
        // With one big batch, nothing was durable, so no STATE may have been passed on.
        expect(states).toEqual([]);
        expect(await read("SELECT count(*) AS n FROM people")).toEqual([{ n: "0" }]);
        // With one-record batches, exactly what came before the last passed-on STATE is there.
        const small = await load(file, 1);
        expect(small.states).toEqual([{ bookmark: 1 }]);
        expect((await small.read("SELECT id FROM people ORDER BY id")).map((r) => r.id)).toEqual(
          file === "record-before-schema.singer" ? ["1"] : ["1", "2"],
        );
      },
    );
  });
}
