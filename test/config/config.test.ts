import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, resolveConfig } from "../../src/config/config.js";
import { ConfigError } from "../../src/errors.js";
import { loadTargetSettings, targetByName } from "../../src/loaders/targets.js";

const dir = mkdtempSync(join(tmpdir(), "tap-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}
const CREDS = { client_id: "id", client_secret: "s3cret-value" };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("applies the documented defaults", () => {
    const config = resolveConfig(CREDS);
    expect(config).toMatchObject({
      credentials: { kind: "client_credentials", clientId: "id", clientSecret: "s3cret-value" },
      tokenUrl: "https://auth.usertesting.com/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token",
      apiUrl: "https://api.use2.usertesting.com",
      workspaceIds: null,
      testIds: null,
      startDate: null,
      requestsPerMinute: 10,
      maxConcurrency: 3,
    });
    expect(config.userAgent).toMatch(/^tap-usertesting\/\d+\.\d+\.\d+/);
  });

  it("accepts config.sample.json as it is, where null means not set", () => {
    const config = loadConfig(["config.sample.json"], {});
    expect(config.credentials).toEqual({
      kind: "client_credentials",
      clientId: "YOUR_CLIENT_ID",
      clientSecret: "YOUR_CLIENT_SECRET",
    });
    expect(config.workspaceIds).toBeNull();
  });

  it("accepts a static access_token instead of client credentials", () => {
    expect(resolveConfig({ access_token: "tok" }).credentials).toEqual({
      kind: "static",
      accessToken: "tok",
    });
  });

  it("merges files in order, then lets TAP_USERTESTING_* variables override them", () => {
    const base = file("base.json", {
      ...CREDS,
      requests_per_minute: 5,
      test_ids: ["0d6c313e-c77d-4fba-bb64-6abda5858239"],
    });
    const local = file("local.json", { max_concurrency: 2 });
    const config = loadConfig([base, local], {
      TAP_USERTESTING_REQUESTS_PER_MINUTE: "8",
      TAP_USERTESTING_WORKSPACE_IDS:
        "5c9b6dc4-f775-4cc3-8cd6-c2c3e4da44fb, b28d8746-836d-48e3-ba04-0897ff386ca1",
      TAP_USERTESTING_API_URL: "http://127.0.0.1:9/",
    });
    expect(config.requestsPerMinute).toBe(8);
    expect(config.maxConcurrency).toBe(2);
    expect(config.workspaceIds).toEqual([
      "5c9b6dc4-f775-4cc3-8cd6-c2c3e4da44fb",
      "b28d8746-836d-48e3-ba04-0897ff386ca1",
    ]);
    expect(config.testIds).toEqual(["0d6c313e-c77d-4fba-bb64-6abda5858239"]);
    expect(config.apiUrl).toBe("http://127.0.0.1:9");
  });

  it("takes every setting from the environment alone", () => {
    const config = loadConfig([], {
      TAP_USERTESTING_CLIENT_ID: "a",
      TAP_USERTESTING_CLIENT_SECRET: "b",
      TAP_USERTESTING_TEST_IDS: '["0d6c313e-c77d-4fba-bb64-6abda5858239"]',
    });
    expect(config.credentials).toEqual({ kind: "client_credentials", clientId: "a", clientSecret: "b" });
    expect(config.testIds).toHaveLength(1);
  });

  it.each([
    [{ ...CREDS, requests_per_minute: 0 }, /'requests_per_minute' must be at least 1/],
    [{ ...CREDS, requests_per_minute: "ten" }, /'requests_per_minute' must be a whole number/],
    [{ ...CREDS, max_concurrency: 2.5 }, /'max_concurrency' must be a whole number/],
    [{ ...CREDS, api_url: "ftp://x" }, /'api_url' must start with http/],
    [{ ...CREDS, start_date: "yesterday" }, /'start_date' must be a valid date-time/],
    [{ ...CREDS, workspace_ids: ["nope"] }, /'workspace_ids\[0\]' must be a valid uuid/],
    [{ ...CREDS, clientid: "x" }, /'clientid' is not a setting of this tap/],
    [{ client_id: "only-id" }, /'client_secret' is needed with client_id \(from the configuration\)/],
    [{}, /has no credentials: set client_id and client_secret .* or access_token/],
    [{ access_token: 42 }, /'access_token' must be a string/],
    [{ ...CREDS, workspace_ids: "not-a-list" }, /'workspace_ids' must be an array/],
  ])("refuses %j with a message naming the key", (input, message) => {
    const error = configError(() => resolveConfig(input));
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
  });

  describe("says which credential is missing and where it was looked for", () => {
    const envOnly = { TAP_USERTESTING_CLIENT_ID: "id-from-env" };
    it.each([
      [
        "client_id without client_secret",
        () => [file("id-only.json", { client_id: "id" })],
        {},
        (files: string[]) =>
          `The configuration is invalid: 'client_secret' is needed with client_id (from ${files[0]}) but was not found in ${files[0]} or the environment variable TAP_USERTESTING_CLIENT_SECRET. See config.sample.json and the README's settings table.`,
      ],
      [
        "client_secret without client_id, over two files",
        () => [file("secret-only.json", { client_secret: "s3cret-value" }), file("more.json", {})],
        {},
        (files: string[]) =>
          `The configuration is invalid: 'client_id' is needed with client_secret (from ${files[0]}) but was not found in ${files[0]}, ${files[1]} or the environment variable TAP_USERTESTING_CLIENT_ID. See config.sample.json and the README's settings table.`,
      ],
      [
        "client_id from the environment, no file",
        () => [],
        envOnly,
        () =>
          "The configuration is invalid: 'client_secret' is needed with client_id (from environment variable TAP_USERTESTING_CLIENT_ID) but was not found in the environment variable TAP_USERTESTING_CLIENT_SECRET (no config file was given). See config.sample.json and the README's settings table.",
      ],
      [
        "no credentials at all",
        () => [file("no-creds.json", { requests_per_minute: 5 })],
        {},
        (files: string[]) =>
          `The configuration has no credentials: set client_id and client_secret (OAuth client credentials, refreshed automatically), or access_token (a static token). None was found in ${files[0]} or the environment variables TAP_USERTESTING_CLIENT_ID, TAP_USERTESTING_CLIENT_SECRET or TAP_USERTESTING_ACCESS_TOKEN.`,
      ],
    ])("%s", (_case, files, env, expected) => {
      const paths = files();
      expect(configError(() => loadConfig(paths, env)).message).toBe(expected(paths));
    });

    it("never shows the validator's if/then noise", () => {
      const error = configError(() => loadConfig([file("id-again.json", { client_id: 7 })], {}));
      expect(error.message).not.toMatch(/"then"|schema|''/);
      expect(error.message).toContain("'client_id' must be a string (from ");
    });

    it("needs nothing else with a static access_token alone", () => {
      const config = loadConfig([file("token-only.json", { access_token: "tok-123456" })], {});
      expect(config.credentials).toEqual({ kind: "static", accessToken: "tok-123456" });
    });
  });

  it("names the file or variable a bad value came from", () => {
    const path = file("bad.json", { ...CREDS, max_concurrency: 0 });
    expect(configError(() => loadConfig([path], {})).message).toContain(`(from ${path})`);
    const fromEnv = configError(() =>
      loadConfig([file("ok.json", CREDS)], { TAP_USERTESTING_MAX_CONCURRENCY: "lots" }),
    );
    expect(fromEnv.message).toContain("(from environment variable TAP_USERTESTING_MAX_CONCURRENCY)");
  });

  it.each([
    ["a missing file", () => join(dir, "missing.json"), /does not exist/],
    ["a file that is not JSON", () => file("broken.json", "{ nope"), /is not valid JSON/],
    ["a JSON array", () => file("array.json", "[]"), /must hold a JSON object/],
  ])("refuses %s with the path in the message", (_case, make, message) => {
    const path = make();
    const error = configError(() => loadConfig([path], {}));
    expect(error.message).toMatch(message);
    expect(error.message).toContain(path);
  });

  it("never repeats a secret in its messages", () => {
    const error = configError(() => resolveConfig({ ...CREDS, client_secret: 12345678 }));
    expect(error.message).not.toContain("12345678");
  });

  it("reports a pattern it does not know by the pattern, not as a URL", () => {
    const error = configError(() =>
      loadTargetSettings(targetByName("duckdb"), [], { TARGET_DUCKDB_SCHEMA: "no spaces allowed" }),
    );
    expect(error.message).toContain(
      "'schema' must match the pattern ^[A-Za-z_][A-Za-z0-9_]*$ (from environment variable TARGET_DUCKDB_SCHEMA)",
    );
    expect(error.message).not.toContain("http");
  });
});
