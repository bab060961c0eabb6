import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ColumnType, type TableSpec, tableSpecFor } from "../../src/loaders/core/columns.js";
import type { Dialect } from "../../src/loaders/core/dialect.js";
import type { Loader } from "../../src/loaders/core/loader.js";
import type { RecordBatch } from "../../src/loaders/core/record-batch.js";
import { planTable, type TablePlan } from "../../src/loaders/core/schema-evolution.js";
import { removeStaleStagingDirs } from "../../src/loaders/core/staging-dirs.js";
import { TargetCore } from "../../src/loaders/core/target-core.js";
import { TargetInputError } from "../../src/loaders/core/target-errors.js";
import { DUCKDB_DIALECT } from "../../src/loaders/duckdb/duckdb-dialect.js";
import { DuckDbLoader } from "../../src/loaders/duckdb/duckdb-loader.js";
import { memoryLogger } from "../../src/log/logger.js";
import { queryRows, tempDatabase } from "../helpers/duckdb.js";

const line = (message: unknown) => JSON.stringify(message);
const schema = (stream: string, properties: Record<string, unknown>, keys = ["id"]) =>
  line({ type: "SCHEMA", stream, schema: { type: "object", properties }, key_properties: keys });
const record = (stream: string, r: Record<string, unknown>) => line({ type: "RECORD", stream, record: r });
const state = (value: unknown) => line({ type: "STATE", value });

/** A loader that records what the core asks of it, failing where told. */
class RecordingLoader implements Loader<string> {
  readonly name = "recording";
  readonly dialect = DUCKDB_DIALECT;
  readonly calls: string[] = [];
  failOn: Record<string, Error[]> = {};
  transient = (error: unknown) => /transient/.test(String(error));

  private step(call: string): void {
    this.calls.push(call);
    const failure = this.failOn[call.split(" ")[0] as string]?.shift();
    if (failure) throw failure;
  }
  async connect() {
    this.step("connect");
  }
  async describeTable(): Promise<Map<string, ColumnType> | null> {
    return null;
  }
  async applyPlan(plan: TablePlan) {
    this.step(`plan ${plan.spec.table}`);
  }
  async stage(batch: RecordBatch) {
    this.step(`stage ${batch.spec.table}`);
    return `staged:${batch.spec.table}`;
  }
  async begin() {
    this.step("begin");
  }
  async merge(staged: string) {
    this.step(`merge ${staged}`);
  }
  async commit() {
    this.step("commit");
  }
  async rollback() {
    this.step("rollback");
  }
  async cleanup(staged: string) {
    this.step(`cleanup ${staged}`);
  }
  isTransient(error: unknown) {
    return this.transient(error);
  }
  async close() {
    this.step("close");
  }
}

async function run(loader: Loader, lines: string[], options: { now?: () => number } = {}) {
  const states: unknown[] = [];
  const { logger, lines: logs } = memoryLogger("info");
  const core = new TargetCore({
    loader,
    logger,
    emitState: (s) => void states.push(s),
    retry: { firstDelayMs: 1, sleep: async () => undefined },
    ...options,
  });
  let error: unknown;
  try {
    for (const l of lines) await core.handleLine(l);
    await core.finish();
  } catch (e) {
    error = e;
  }
  await core.settle();
  return { states, error, logs, core };
}

const TWO_STREAMS = [
  schema("a", { id: { type: "integer" } }),
  schema("b", { id: { type: "integer" } }),
  record("a", { id: 1 }),
  record("b", { id: 2 }),
  state({ done: true }),
];

describe("a flush", () => {
  it("stages every stream's batch first, then merges them all in one transaction, then cleans up, then passes STATE", async () => {
    const loader = new RecordingLoader();
    const { states, error } = await run(loader, TWO_STREAMS);
    expect(error).toBeUndefined();
    expect(loader.calls).toEqual([
      "plan a",
      "plan b",
      "stage a",
      "stage b",
      "begin",
      "merge staged:a",
      "merge staged:b",
      "commit",
      "cleanup staged:a",
      "cleanup staged:b",
    ]);
    expect(states).toEqual([{ done: true }]);
  });

  it("rolls back and still cleans up what was staged when a merge fails, and passes no STATE", async () => {
    const loader = new RecordingLoader();
    loader.failOn.merge = [new Error("SQL compilation error")];
    const { states, error } = await run(loader, TWO_STREAMS);
    expect(String(error)).toContain("SQL compilation error");
    expect(loader.calls.slice(2)).toEqual([
      "stage a",
      "stage b",
      "begin",
      "merge staged:a",
      "rollback",
      "cleanup staged:a",
      "cleanup staged:b",
    ]);
    expect(states).toEqual([]);
  });

  it("cleans up the batches already staged when a later stage fails", async () => {
    const loader = new RecordingLoader();
    loader.failOn.stage = [undefined as unknown as Error, new Error("upload refused")];
    const { error } = await run(loader, TWO_STREAMS);
    expect(String(error)).toContain("upload refused");
    expect(loader.calls.slice(2)).toEqual(["stage a", "stage b", "cleanup staged:a"]);
  });

  it("retries a transient failure on a fresh connection, staging again, and passes STATE once", async () => {
    const loader = new RecordingLoader();
    loader.failOn.commit = [new Error("transient: connection reset")];
    const { states, error, logs } = await run(loader, TWO_STREAMS);
    expect(error).toBeUndefined();
    expect(loader.calls.slice(2)).toEqual([
      "stage a",
      "stage b",
      "begin",
      "merge staged:a",
      "merge staged:b",
      "commit",
      "rollback",
      "cleanup staged:a",
      "cleanup staged:b",
      "close",
      "connect",
      "stage a",
      "stage b",
      "begin",
      "merge staged:a",
      "merge staged:b",
      "commit",
      "cleanup staged:a",
      "cleanup staged:b",
    ]);
    expect(states).toEqual([{ done: true }]);
    expect(logs.some((l) => l.includes("retrying on a fresh connection"))).toBe(true);
  });

  it("gives up on a transient failure after a bounded number of tries, and on a permanent one at once", async () => {
    const loader = new RecordingLoader();
    loader.failOn.commit = [1, 2, 3, 4].map(() => new Error("transient: timeout"));
    const bounded = await run(loader, TWO_STREAMS);
    expect(String(bounded.error)).toContain("transient: timeout");
    expect(loader.calls.filter((c) => c === "commit")).toHaveLength(4);
    expect(bounded.states).toEqual([]);

    const permanent = new RecordingLoader();
    permanent.failOn.commit = [new Error("Numeric value 'x' is not recognized")];
    const once = await run(permanent, TWO_STREAMS);
    expect(String(once.error)).toContain("is not recognized");
    expect(permanent.calls.filter((c) => c === "commit")).toHaveLength(1);
  });
});

describe("names", () => {
  it("stop the load, naming both properties, when two would be one column", async () => {
    const { error } = await run(new RecordingLoader(), [
      schema("people", { id: { type: "integer" }, Name: { type: "string" }, name: { type: "string" } }),
    ]);
    expect(error).toBeInstanceOf(TargetInputError);
    expect((error as Error).message).toBe(
      'Input line 1 (stream people): properties "Name" and "name" would both be the column name; rename one of them. Nothing after the last STATE written was committed; fix the input and run again.',
    );
  });

  it("keep property and column apart: a dialect's column names are loaded from the record's property names", () => {
    const upper: Dialect = { ...DUCKDB_DIALECT, columnName: (p) => p.toUpperCase() };
    const spec = tableSpecFor(
      "people",
      { properties: { id: { type: "integer" }, order: { type: "string" } } },
      ["id"],
      upper,
    );
    expect(spec.columns.slice(0, 2)).toEqual([
      { property: "id", name: "ID", type: "integer" },
      { property: "order", name: "ORDER", type: "string" },
    ]);
  });
});

describe("_sdc_sequence", () => {
  it("increases strictly across more than a thousand records in one millisecond, so the last of a key always wins", async () => {
    const database = tempDatabase();
    const loader = new DuckDbLoader({ database, schema: "usertesting", logger: memoryLogger().logger });
    await loader.connect();
    const lines = [schema("people", { id: { type: "integer" }, n: { type: "integer" } })];
    for (let n = 0; n < 2500; n++) lines.push(record("people", { id: 1, n }));
    const { error } = await run(loader, lines, { now: () => 1_780_000_000_000 });
    await loader.close();
    expect(error).toBeUndefined();
    expect(await queryRows(database, "SELECT n FROM people")).toEqual([{ n: "2499" }]);
    rmSync(join(database, ".."), { recursive: true, force: true });
  });
});

describe("schema evolution, planned by the core", () => {
  const spec = (columns: Array<[string, ColumnType]>): TableSpec => ({
    stream: "t",
    table: "t",
    keyProperties: [],
    columns: columns.map(([name, type]) => ({ property: name, name, type })),
  });
  const noInPlace: Dialect = {
    ...DUCKDB_DIALECT,
    widensInPlace: (from, to) => from === "integer" && to === "number",
  };

  it.each<[string, Array<[string, ColumnType]>, Array<[string, ColumnType]>, unknown[]]>([
    ["a new table is created", [], [["id", "integer"]], [{ kind: "create" }]],
    [
      "a new property is added",
      [["id", "integer"]],
      [
        ["id", "integer"],
        ["x", "string"],
      ],
      [{ kind: "add", column: { property: "x", name: "x", type: "string" } }],
    ],
    [
      "integer to number is widened in place",
      [["x", "integer"]],
      [["x", "number"]],
      [{ kind: "widen", column: "x", to: "number" }],
    ],
    [
      "number to text, which the dialect cannot do in place, keeps the old column under a suffix",
      [["x", "number"]],
      [["x", "string"]],
      [{ kind: "replace", column: "x", from: "number", to: "string", keptAs: "x__number" }],
    ],
    ["a narrower type changes nothing", [["x", "string"]], [["x", "integer"]], []],
    [
      "columns match without case, as the dialect compares them",
      [["ID", "integer"]],
      [["id", "integer"]],
      [],
    ],
  ])("%s", (_case, existing, requested, changes) => {
    const plan = planTable(spec(requested), existing.length ? new Map(existing) : null, noInPlace);
    expect(plan.changes).toEqual(changes.map((c) => expect.objectContaining(c as object)));
  });

  it("on a warehouse that cannot widen in place, keeps the old values and fills the new column with them", async () => {
    const database = tempDatabase();
    class NoInPlaceDuckDb extends DuckDbLoader {
      override readonly dialect = noInPlace;
    }
    const loader = new NoInPlaceDuckDb({ database, schema: "usertesting", logger: memoryLogger().logger });
    await loader.connect();
    const { error, logs } = await run(loader, [
      schema("t", { id: { type: "integer" }, x: { type: "number" } }),
      record("t", { id: 1, x: 1.5 }),
      state(1),
      schema("t", { id: { type: "integer" }, x: { type: "string" } }),
      record("t", { id: 2, x: "two" }),
    ]);
    await loader.close();
    expect(error).toBeUndefined();
    expect(await queryRows(database, "SELECT id, x, x__number FROM t ORDER BY id")).toEqual([
      { id: "1", x: "1.5", x__number: 1.5 },
      { id: "2", x: "two", x__number: null },
    ]);
    expect(logs.some((l) => l.includes("the old column is kept as x__number"))).toBe(true);
    rmSync(join(database, ".."), { recursive: true, force: true });
  });
});

describe("staging folders", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("left by a loader whose process is gone are removed by the next run; a live one's are kept", () => {
    const dir = mkdtempSync(join(tmpdir(), "staging-"));
    dirs.push(dir);
    mkdirSync(join(dir, "target-duckdb-999999999-abc"));
    mkdirSync(join(dir, `target-duckdb-${process.pid}-def`));
    mkdirSync(join(dir, "unrelated-1-x"));
    expect(removeStaleStagingDirs(dir, "target-duckdb")).toEqual([join(dir, "target-duckdb-999999999-abc")]);
    expect(readdirSync(dir).sort()).toEqual([`target-duckdb-${process.pid}-def`, "unrelated-1-x"]);
  });
});
