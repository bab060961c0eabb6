import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { tapSettingsOf } from "../../src/airbyte/airbyte-spec.js";
import { resolveConfig } from "../../src/config/config.js";
import { STREAMS } from "../../src/streams/registry.js";
import { createAjv } from "../../src/util/json-schema.js";
import { runCommand } from "../helpers/run-cli.js";
import { useSandbox } from "../helpers/sandbox.js";

/**
 * acceptance-test-config.yml and the files it names, checked the way Airbyte's Connector Acceptance
 * Tests (CAT) will use them, but without Docker: the connector's commands run from src/ against the
 * sandbox. What CAT itself checks on the image (labels, AIRBYTE_ENTRYPOINT) is in dockerfile.test.ts.
 */

// biome-ignore lint/suspicious/noExplicitAny: Airbyte messages are checked field by field
type Message = Record<string, any>;
type Test = Record<string, unknown>;

const acceptance = parseYaml(readFileSync("acceptance-test-config.yml", "utf8")) as {
  connector_image: string;
  test_strictness_level: string;
  acceptance_tests: Record<string, { tests?: Test[]; bypass_reason?: string }>;
};
const metadata = parseYaml(readFileSync("metadata.yaml", "utf8")) as { data: { dockerRepository: string } };
const suites = acceptance.acceptance_tests;
const tests = (suite: string) => suites[suite]?.tests ?? [];
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

const dir = mkdtempSync(join(tmpdir(), "acceptance-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let written = 0;
const write = (content: unknown) => {
  const path = join(dir, `${++written}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

/** One of the connector's commands, as the image runs it (stdout: one AirbyteMessage a line). */
async function airbyte(args: string[]) {
  const { status, stdout, stderr } = await runCommand("src/cli/tap.ts", args);
  const messages = stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Message);
  return { status, stderr, messages, of: (type: string) => messages.filter((m) => m.type === type) };
}

const configured = readJson("integration_tests/configured_catalog.json") as {
  streams: Array<{
    stream: Message & { name: string; supported_sync_modes: string[]; default_cursor_field?: string[] };
    sync_mode: string;
    cursor_field?: string[];
    destination_sync_mode: string;
    primary_key?: string[][];
  }>;
};
const incremental = configured.streams.filter((s) => s.sync_mode === "incremental");
const emptyStreams = tests("basic_read").flatMap(
  (t) => (t.empty_streams as Array<{ name: string; bypass_reason?: string }> | undefined) ?? [],
);

describe("acceptance-test-config.yml", () => {
  it("tests the image metadata.yaml names, at high strictness with every suite declared", () => {
    expect(acceptance.connector_image).toBe(`${metadata.data.dockerRepository}:dev`);
    expect(acceptance.test_strictness_level).toBe("high");
    for (const suite of ["spec", "connection", "discovery", "basic_read", "full_refresh", "incremental"])
      expect(tests(suite).length > 0 || Boolean(suites[suite]?.bypass_reason), suite).toBe(true);
    // At high strictness basic_read reads the discovered catalog: naming one there is an error, and
    // expect_records needs a file or a reason.
    for (const t of tests("basic_read")) {
      expect(t.configured_catalog_path).toBeUndefined();
      const expectRecords = t.expect_records as { path?: string; bypass_reason?: string } | undefined;
      expect(Boolean(expectRecords?.path || expectRecords?.bypass_reason)).toBe(true);
    }
  });

  it("names files that exist and parse as JSON (secrets/ is the tester's own, never committed)", () => {
    const paths = new Set<string>();
    const walk = (value: unknown, key = ""): void => {
      if (typeof value === "string" && (key.endsWith("_path") || key === "path")) paths.add(value);
      else if (Array.isArray(value)) for (const v of value) walk(v, key);
      else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k);
    };
    walk(acceptance);
    expect([...paths].filter((p) => !p.startsWith("secrets/")).sort()).toEqual([
      "integration_tests/abnormal_state.json",
      "integration_tests/configured_catalog.json",
      "integration_tests/invalid_config.json",
      "integration_tests/spec.json",
    ]);
    for (const path of paths) {
      if (path.startsWith("secrets/")) continue;
      expect(existsSync(path), path).toBe(true);
      expect(() => readJson(path), path).not.toThrow();
    }
  });

  it("expects integration_tests/spec.json to be what `spec` prints", async () => {
    expect(tests("spec")).toEqual([{ spec_path: "integration_tests/spec.json" }]);
    const { status, messages } = await airbyte(["spec"]);
    expect(status).toBe(0);
    expect(messages).toEqual([{ type: "SPEC", spec: readJson("integration_tests/spec.json") }]);
  });

  describe("connection", () => {
    const spec = readJson("integration_tests/spec.json") as { connectionSpecification: object };
    const validate = createAjv().compile(spec.connectionSpecification);

    it("has the spec's shape in invalid_config.json and sample_config.json, so check gets as far as the credentials", () => {
      expect(tests("connection")).toEqual([
        { config_path: "secrets/config.json", status: "succeed" },
        { config_path: "integration_tests/invalid_config.json", status: "failed" },
      ]);
      for (const path of ["integration_tests/invalid_config.json", "integration_tests/sample_config.json"]) {
        const config = readJson(path) as Record<string, unknown>;
        expect(validate(config), `${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
        expect(() => resolveConfig(tapSettingsOf(config)), path).not.toThrow();
      }
    });

    it("fails (one CONNECTION_STATUS FAILED, exit 0) with invalid_config.json's credentials, where valid ones succeed", async () => {
      const sandbox = await useSandbox();
      const { token_url, api_url } = sandbox.tapSettings();
      const invalid = readJson("integration_tests/invalid_config.json") as Record<string, unknown>;
      const failed = await airbyte(["check", "--config", write({ ...invalid, token_url, api_url })]);
      expect(failed.status).toBe(0);
      expect(failed.messages.map((m) => m.connectionStatus?.status)).toEqual(["FAILED"]);
      const { client_id, client_secret } = sandbox.tapSettings();
      const credentials = { auth_type: "client_credentials", client_id, client_secret };
      const succeeded = await airbyte([
        "check",
        "--config",
        write({ ...invalid, credentials, token_url, api_url }),
      ]);
      expect(succeeded.messages.map((m) => m.connectionStatus?.status)).toEqual(["SUCCEEDED"]);
    });
  });

  describe("integration_tests/configured_catalog.json", () => {
    it("configures what discover offers but the empty streams, each stream exactly as discovered", async () => {
      const { status, of } = await airbyte(["discover", "--config", "integration_tests/sample_config.json"]);
      expect(status).toBe(0);
      const discovered = (of("CATALOG")[0]?.catalog.streams ?? []) as Message[];
      expect(configured.streams.map((s) => s.stream.name)).toEqual(
        discovered.map((s) => s.name).filter((name) => !emptyStreams.some((e) => e.name === name)),
      );
      for (const { stream } of configured.streams)
        expect(stream, stream.name).toEqual(discovered.find((d) => d.name === stream.name));
    });

    it("syncs incrementally every stream that can, on its cursor, and keys each on its primary key", () => {
      for (const s of configured.streams) {
        const canIncrement = s.stream.supported_sync_modes.includes("incremental");
        expect(s.sync_mode, s.stream.name).toBe(canIncrement ? "incremental" : "full_refresh");
        expect(s.cursor_field, s.stream.name).toEqual(
          canIncrement ? s.stream.default_cursor_field : undefined,
        );
        expect(s.destination_sync_mode, s.stream.name).toBe(canIncrement ? "append_dedup" : "overwrite");
        expect(s.primary_key, s.stream.name).toEqual(s.stream.source_defined_primary_key);
      }
      expect(incremental.length).toBeGreaterThan(0);
    });
  });

  it("lists as empty in basic_read, each with its reason, only the streams that are off by default", () => {
    expect(emptyStreams.map((e) => e.name).sort()).toEqual(
      STREAMS.filter((s) => s.selectedByDefault === false)
        .map((s) => s.name)
        .sort(),
    );
    for (const e of emptyStreams) expect(e.bypass_reason, e.name).toBeTruthy();
  });

  describe("integration_tests/abnormal_state.json", () => {
    type StreamState = { stream_descriptor: { name: string }; stream_state: Record<string, unknown> };
    const messages = readJson("integration_tests/abnormal_state.json") as Array<{
      type: string;
      stream?: StreamState;
      global?: { stream_states: StreamState[] };
    }>;

    it("is the future state of the incremental suite, a state for every incremental stream", () => {
      expect(tests("incremental").map((t) => t.future_state)).toEqual([
        { future_state_path: "integration_tests/abnormal_state.json" },
      ]);
      // CAT reads the file's states as STREAM states (state.stream.stream_descriptor.name).
      expect(messages.every((m) => m.type === "STREAM")).toBe(true);
      expect(messages.map((m) => m.stream?.stream_descriptor.name).sort()).toEqual(
        incremental.map((s) => s.stream.name).sort(),
      );
    });

    it("makes read emit no record, and states, where the same read without it emits records", async () => {
      const sandbox = await useSandbox();
      const { client_id, client_secret, token_url, api_url } = sandbox.tapSettings();
      const config = write({
        credentials: { auth_type: "client_credentials", client_id, client_secret },
        token_url,
        api_url,
        requests_per_minute: 100_000,
      });
      // As CAT's incremental suite does: the configured catalog's incremental streams alone.
      const catalog = write({ streams: incremental });
      const first = await airbyte(["read", "--config", config, "--catalog", catalog]);
      expect(first.status, first.stderr).toBe(0);
      const streamsWithRecords = new Set(first.of("RECORD").map((m) => m.record.stream));
      expect([...streamsWithRecords].sort()).toEqual(incremental.map((s) => s.stream.name).sort());

      const future = await airbyte([
        "read",
        ...["--config", config, "--catalog", catalog, "--state", "integration_tests/abnormal_state.json"],
      ]);
      expect(future.status, future.stderr).toBe(0);
      expect(future.of("RECORD")).toEqual([]);
      expect(future.of("STATE").length).toBeGreaterThan(0);
    }, 60_000);
  });
});
