import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import {
  assertStateFileWritable,
  readStateFile,
  StateFileError,
  writeStateFile,
} from "../../src/sync/state-file.js";

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

/** root writes through any file mode, so read-only files can only be shown to other users. */
const asRoot = process.getuid?.() === 0;

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

describe("checking, before the run, that the state file can be written", () => {
  it("accepts a new file in a writable folder and an existing writable file, and leaves nothing behind", () => {
    const dir = folder();
    assertStateFileWritable(join(dir, "state.json"));
    writeFileSync(join(dir, "old.json"), "{}");
    assertStateFileWritable(join(dir, "old.json"));
    expect(readdirSync(dir)).toEqual(["old.json"]);
  });

  it.each([
    [
      "a folder that does not exist",
      (dir: string) => join(dir, "nope", "state.json"),
      "its folder DIR/nope does not exist",
    ],
    [
      "a folder that is a file",
      (dir: string) => {
        writeFileSync(join(dir, "plain"), "");
        return join(dir, "plain", "state.json");
      },
      "DIR/plain is not a folder",
    ],
    [
      "a path that is a folder",
      (dir: string) => {
        mkdirSync(join(dir, "state.json"));
        return join(dir, "state.json");
      },
      "it is a folder, not a file",
    ],
  ])("refuses %s, naming the path and why", (_case, make, why) => {
    const dir = folder();
    const path = make(dir);
    expect(() => assertStateFileWritable(path)).toThrow(ConfigError);
    expect(() => assertStateFileWritable(path)).toThrow(
      `State file ${path} cannot be written: ${why.replace("DIR", dir)}. Nothing was fetched.`,
    );
  });

  it.skipIf(asRoot)("refuses a read-only file and a read-only folder", () => {
    const dir = folder();
    const path = join(dir, "state.json");
    writeFileSync(path, "{}");
    chmodSync(path, 0o444);
    expect(() => assertStateFileWritable(path)).toThrow(
      `State file ${path} cannot be written: the file is read-only`,
    );
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o555 });
    expect(() => assertStateFileWritable(join(locked, "state.json"))).toThrow(
      `cannot be written: its folder ${locked} is not writable (EACCES)`,
    );
  });
});

describe("writing the state file", () => {
  it("replaces it whole, leaving no temporary file", () => {
    const path = file("{}");
    writeStateFile(path, { bookmarks: { a: 1 } });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ bookmarks: { a: 1 } });
    expect(readdirSync(join(path, ".."))).toEqual(["state.json"]);
  });

  it("fails with a user-facing error naming the file when it cannot be written", () => {
    const dir = folder();
    const path = join(dir, "state.json");
    rmSync(dir, { recursive: true });
    const write = () => writeStateFile(path, { bookmarks: {} });
    expect(write).toThrow(StateFileError);
    expect(write).toThrow(
      `State file ${path} could not be written (ENOENT). The rows loaded so far are committed, and the file keeps the state written before this one, if any;`,
    );
  });
});
