import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { readStateFile } from "../../src/sync/state-file.js";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function folder(): string {
  const path = mkdtempSync(join(tmpdir(), "state-file-"));
  folders.push(path);
  return path;
}
function file(content: string): string {
  const path = join(folder(), "state.json");
  writeFileSync(path, content);
  return path;
}

describe("reading a state file", () => {
  it("reads the state a previous run wrote", () => {
    expect(readStateFile(file('{"bookmarks": {}}\n'))).toEqual({ bookmarks: {} });
  });

  it("takes a missing --state-file as the sync's first run", () => {
    expect(readStateFile(join(folder(), "state.json"))).toBeUndefined();
  });

  it.each([
    ["an empty file", "", "0 bytes"],
    ["a file of whitespace", " \n\n", "only whitespace"],
  ])(
    "refuses %s instead of starting a full sync, saying how to start fresh on purpose",
    (_case, content, size) => {
      const path = file(content);
      expect(() => readStateFile(path)).toThrow(ConfigError);
      expect(() => readStateFile(path)).toThrow(
        `State file ${path} is empty (${size}): it holds no state, and reading it as none would start a full sync of everything.`,
      );
      expect(() => readStateFile(path)).toThrow(
        /to start fresh on purpose, delete the file or run with --full-refresh for a full sync\.$/,
      );
      // The tap's --state says its own way to start fresh.
      expect(() =>
        readStateFile(path, { missing: "error", hint: "run without --state for a full sync" }),
      ).toThrow(/to start fresh on purpose, run without --state for a full sync\.$/);
    },
  );

  it("refuses truncated JSON alike", () => {
    const path = file('{"bookmarks": {"sess');
    expect(() => readStateFile(path)).toThrow(`State file ${path} is not valid JSON`);
  });
});
