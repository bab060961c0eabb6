import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/config.js";
import { TapError } from "../../src/errors.js";
import { loadTargetSettings, targetByName } from "../../src/loaders/targets.js";
import { memoryLogger } from "../../src/log/logger.js";
import { runSync } from "../../src/sync/run-sync.js";
import { StateFileError } from "../../src/sync/state-file.js";
import { defaultSelection } from "../../src/tap/catalog.js";
import { useSandbox } from "../helpers/sandbox.js";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function folder(): string {
  const path = mkdtempSync(join(tmpdir(), "run-sync-"));
  folders.push(path);
  return path;
}

describe("runSync and its state file", () => {
  it("stops with a user-facing error, not an internal one, when the state file cannot be written mid-run", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const stateFolder = folder();
    const stateFile = join(stateFolder, "state.json");
    const { logger } = memoryLogger();
    const target = targetByName("duckdb");
    const setup = target.create(
      loadTargetSettings(target, [], {
        TARGET_DUCKDB_DATABASE: join(folder(), "test.duckdb"),
        TARGET_DUCKDB_BATCH_SIZE_ROWS: "50",
      }),
      logger,
    );
    let states = 0;
    const run = runSync({
      config: resolveConfig({ ...sandbox.tapSettings(), requests_per_minute: 100_000 }),
      selection: defaultSelection(),
      target: setup,
      state: undefined,
      stateFile,
      logger,
      progress: false,
      // The state file's folder disappears after the first state is written.
      onState: () => {
        states += 1;
        rmSync(stateFolder, { recursive: true, force: true });
      },
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect(error).toBeInstanceOf(TapError);
    expect((error as TapError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^State file ${stateFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} could not be written \\(ENOENT\\)\\.`,
      ),
    );
    expect(states).toBe(1);
  });
});
