import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LoaderError } from "../../src/loaders/core/target-errors.js";
import { isDuckDbHeader } from "../../src/loaders/duckdb/database-file.js";
import { runTarget } from "../../src/loaders/run-target.js";
import { loadTargetSettings, targetByName } from "../../src/loaders/targets.js";
import { memoryLogger } from "../../src/log/logger.js";
import { queryRows } from "../helpers/duckdb.js";
import { runCommand } from "../helpers/run-cli.js";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function folder(): string {
  const path = mkdtempSync(join(tmpdir(), "database-safety-"));
  folders.push(path);
  return path;
}

const input = readFileSync("test/fixtures/singer/key-updates.singer", "utf8");
const targetDuckdb = (env: Record<string, string>) =>
  runCommand("src/cli/target.ts", ["--target", "duckdb"], {
    input,
    env: { TARGET_DUCKDB_BATCH_SIZE_ROWS: "2", ...env },
  });

describe("target-duckdb keeps its data in a DuckDB file, or refuses", () => {
  it("refuses a `database` that is an existing JSON file, before reading input, and leaves it as it was", async () => {
    const database = join(folder(), "existing.json");
    writeFileSync(database, "[]\n");
    const run = await targetDuckdb({ TARGET_DUCKDB_DATABASE: database });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual([
      `target-duckdb: The target-duckdb setting 'database' is ${database}, which is a text file starting with "[]", not a DuckDB database file. DuckDB would open it as an in-memory database (or not at all), and nothing loaded would be kept. Set 'database' to a DuckDB database file (a path that does not exist yet is created as one, whatever its extension), or to ':memory:' for a throwaway database.`,
    ]);
    expect(readFileSync(database, "utf8")).toBe("[]\n");
  });

  it("refuses a `database` that is an empty file or a directory, saying which", async () => {
    const empty = join(folder(), "empty.duckdb");
    writeFileSync(empty, "");
    const first = await targetDuckdb({ TARGET_DUCKDB_DATABASE: empty });
    expect(first.status).toBe(2);
    expect(first.stderr).toContain(`'database' is ${empty}, which is an empty file (0 bytes), not a DuckDB`);
    const directory = folder();
    const second = await targetDuckdb({ TARGET_DUCKDB_DATABASE: directory });
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`'database' is ${directory}, which is a directory, not a DuckDB`);
    expect(`${first.stdout}${second.stdout}`).toBe("");
  });

  it("creates a real DuckDB file at a path that does not exist, whatever its extension", async () => {
    const database = join(folder(), "new.json");
    const run = await targetDuckdb({ TARGET_DUCKDB_DATABASE: database });
    expect(run.status).toBe(0);
    expect(isDuckDbHeader(readFileSync(database))).toBe(true);
    expect(await queryRows(database, "SELECT count(*) AS n FROM people")).toEqual([{ n: "3" }]);
  });

  it("still loads into `:memory:`, keeping nothing", async () => {
    const run = await targetDuckdb({ TARGET_DUCKDB_DATABASE: ":memory:" });
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n")).toHaveLength(3);
    expect(existsSync(":memory:")).toBe(false);
  });

  it("passes on no STATE once the database file is deleted under the load", async () => {
    const database = join(folder(), "test.duckdb");
    const target = targetByName("duckdb");
    const { logger } = memoryLogger();
    const setup = target.create(
      loadTargetSettings(target, [], {
        TARGET_DUCKDB_DATABASE: database,
        TARGET_DUCKDB_BATCH_SIZE_ROWS: "1",
      }),
      logger,
    );
    const schema = {
      type: "SCHEMA",
      stream: "people",
      key_properties: ["id"],
      schema: { type: "object", properties: { id: { type: "integer" } } },
    };
    const record = (id: number) => JSON.stringify({ type: "RECORD", stream: "people", record: { id } });
    const state = (bookmark: number) => JSON.stringify({ type: "STATE", value: { bookmark } });
    const states: unknown[] = [];
    const lines = (async function* () {
      yield JSON.stringify(schema);
      yield record(1);
      yield state(1);
      // Someone removes the database (and its write-ahead log) while the load runs.
      rmSync(database);
      rmSync(`${database}.wal`, { force: true });
      yield record(2);
      yield state(2);
    })();
    const run = runTarget({ ...setup, lines, emitState: (s) => void states.push(s), logger });
    await expect(run).rejects.toThrow(LoaderError);
    await expect(run).rejects.toThrow(
      `The DuckDB database file ${database} is gone after a commit: the rows of this batch are not on disk, so no state is passed on for them.`,
    );
    expect(states).toEqual([{ bookmark: 1 }]);
  });
});
