import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { queryRows, tempDatabase } from "../helpers/duckdb.js";
import { runCommand } from "../helpers/run-cli.js";
import { useSandbox } from "../helpers/sandbox.js";

const run = (script: string, args: string[], input: string | null, env: Record<string, string> = {}) =>
  runCommand(script, args, { input: input ?? "", env });

describe("target-duckdb on the command line", () => {
  it("loads a Singer stream and writes each STATE value once its records are committed", async () => {
    const database = tempDatabase();
    const input = readFileSync("test/fixtures/singer/key-updates.singer", "utf8");
    const result = await run("src/cli/target.ts", ["--target", "duckdb"], input, {
      TARGET_DUCKDB_DATABASE: database,
      TARGET_DUCKDB_BATCH_SIZE_ROWS: "2",
    });
    expect(result.status).toBe(0);
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([{ bookmark: 1 }, { bookmark: 2 }, { bookmark: 3 }]);
    expect(await queryRows(database, "SELECT count(*) AS n FROM people")).toEqual([{ n: "3" }]);
  });

  it("refuses bad input with the line number, exit code 2 and no stack trace", async () => {
    const database = tempDatabase();
    const input = readFileSync("test/fixtures/singer/not-json.singer", "utf8");
    const result = await run("src/cli/target.ts", ["--target", "duckdb"], input, {
      TARGET_DUCKDB_DATABASE: database,
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("target-duckdb: Input line 5: not JSON ({this is not json)");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses a bad setting, naming it", async () => {
    const result = await run("src/cli/target.ts", ["--target", "duckdb"], "", {
      TARGET_DUCKDB_BATCH_SIZE_ROWS: "lots",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      "'batch_size_rows' must be a whole number (from environment variable TARGET_DUCKDB_BATCH_SIZE_ROWS)",
    );
  });
});

describe("tap-usertesting sync on the command line", () => {
  it("syncs into DuckDB and keeps an atomic state file that the next run resumes from", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const database = tempDatabase();
    const stateFile = `${database}.state.json`;
    const config = `${database}.config.json`;
    writeFileSync(
      config,
      JSON.stringify({
        ...sandbox.tapSettings(),
        requests_per_minute: 100000,
      }),
    );
    const target = `${database}.target.json`;
    writeFileSync(target, JSON.stringify({ database }));
    const args = [
      "sync",
      "--config",
      config,
      "--target",
      "duckdb",
      "--target-config",
      target,
      "--state-file",
      stateFile,
    ];
    const first = await run("src/cli/tap.ts", args, null);
    expect(first.stderr).toContain("Loaded into DuckDB");
    expect(first.status).toBe(0);
    expect(first.stdout).toBe("");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).bookmarks.sessions.partitions.length).toBeGreaterThan(
      5,
    );
    expect(readdirSync(dirname(stateFile)).filter((f) => f.includes(".tmp-"))).toEqual([]);
    const sessions = Number((await queryRows(database, "SELECT count(*) AS n FROM sessions"))[0]?.n);
    expect(sessions).toBe(sandbox.data.allSessions().length);
    const detailsBefore = sandbox.counts.get("sessionDetail") ?? 0;
    const second = await run("src/cli/tap.ts", args, null);
    expect(second.status).toBe(0);
    expect(sandbox.counts.get("sessionDetail") ?? 0).toBe(detailsBefore);
    const full = await run("src/cli/tap.ts", [...args, "--full-refresh"], null);
    expect(full.status).toBe(0);
    expect(sandbox.counts.get("sessionDetail") ?? 0).toBe(2 * detailsBefore);
    expect(Number((await queryRows(database, "SELECT count(*) AS n FROM sessions"))[0]?.n)).toBe(sessions);
  });

  it("says clearly that a loader is not available yet", async () => {
    const result = await run(
      "src/cli/tap.ts",
      ["sync", "--config", "config.sample.json", "--target", "redshift"],
      null,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown target 'redshift'. Available: duckdb, snowflake, bigquery.");
  });
});
