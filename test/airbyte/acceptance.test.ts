import { describe, expect, it } from "vitest";
import { createAjv } from "../../src/util/json-schema.js";
import { type AirbyteMessage, airbyteConfig, configuredCatalog, runAirbyte } from "../helpers/airbyte.js";
import { useSandbox } from "../helpers/sandbox.js";

/**
 * Our own connector acceptance suite, point by point as Airbyte's CAT checks a source
 * (connector-acceptance-test: TestSpec, TestConnection, TestDiscovery, TestBasicRead,
 * TestFullRefresh, TestIncremental), run against the sandbox through the real commands.
 */

const SANDBOX = { workspaces: 1, largeWorkspaceTests: 8, largeTestSessions: 0 } as const;
const ajv = createAjv();

/** Every JSON Schema node under `schema`, with its path. */
function* nodes(schema: unknown, path = "#"): Generator<[string, Record<string, unknown>]> {
  if (schema === null || typeof schema !== "object") return;
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) yield* nodes(item, `${path}/${i}`);
    return;
  }
  const node = schema as Record<string, unknown>;
  yield [path, node];
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && value && typeof value === "object") {
      for (const [name, child] of Object.entries(value)) yield* nodes(child, `${path}/properties/${name}`);
    } else if (["items", "oneOf", "anyOf", "allOf"].includes(key)) yield* nodes(value, `${path}/${key}`);
  }
}

/** Records of a stream, but sessions not completed: the listing's fields of those come every read. */
const settled = (run: Awaited<ReturnType<typeof runAirbyte>>, stream: string) =>
  run.records(stream).filter((m) => stream !== "sessions" || m.record.data.status === "completed");

/** The keywords CAT's test_forbidden_complex_types and test_defined_refs_exist refuse. */
const FORBIDDEN = ["$ref", "not", "anyOf", "allOf", "if", "then", "else", "patternProperties", "prefixItems"];
/** Property names CAT's test_secret_is_properly_marked wants marked airbyte_secret. */
const SECRET_NAMES = [
  "client_secret",
  "access_token",
  "token",
  "secret",
  "password",
  "refresh_token",
  "api_token",
];

async function discovered(sandbox: Awaited<ReturnType<typeof useSandbox>>) {
  const run = await runAirbyte("discover", { config: airbyteConfig(sandbox) });
  return run.of("CATALOG")[0]?.catalog as { streams: AirbyteMessage[] };
}

describe("Airbyte acceptance: spec", () => {
  it("prints one SPEC that a real config validates against, with secrets marked and only the shapes CAT accepts", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const run = await runAirbyte("spec");
    expect(run.exitCode).toBe(0);
    expect(run.messages.map((m) => m.type)).toEqual(["SPEC"]);
    const spec = run.messages[0]?.spec;
    expect(spec.documentationUrl).toMatch(/^https:\/\//);
    const schema = spec.connectionSpecification;
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.validate(schema, airbyteConfig(sandbox))).toBe(true);
    // The other credentials choice validates too; a config with neither does not.
    expect(ajv.validate(schema, { credentials: { auth_type: "access_token", access_token: "t0ken" } })).toBe(
      true,
    );
    expect(ajv.validate(schema, { credentials: { auth_type: "client_credentials", client_id: "x" } })).toBe(
      false,
    );
    for (const [path, node] of nodes(schema)) {
      for (const keyword of FORBIDDEN) expect(node[keyword], `${path} uses ${keyword}`).toBeUndefined();
      if ("additionalProperties" in node) expect(node.additionalProperties, path).toBe(true);
      if (Array.isArray(node.type))
        expect(node.type.length === 2 && node.type[1] === "null", path).toBe(true);
      const name = path.split("/").at(-1) ?? "";
      if (SECRET_NAMES.includes(name)) expect(node.airbyte_secret, `${path} is a secret`).toBe(true);
      if (node.oneOf) {
        expect(node.type, path).toBe("object");
        const variants = node.oneOf as Array<{ properties: Record<string, { const?: unknown }> }>;
        const common = Object.keys(variants[0]?.properties ?? {}).filter((k) =>
          variants.every((v) => k in v.properties),
        );
        const discriminators = common.filter((k) =>
          variants.every((v) => v.properties[k]?.const !== undefined),
        );
        expect(discriminators, `${path}: one const property shared by every option`).toHaveLength(1);
      }
      if (node.properties) {
        const orders = Object.values(node.properties as Record<string, { order?: number }>)
          .map((p) => p.order)
          .filter((o) => o !== undefined);
        expect(new Set(orders).size, `${path}: order values are unique`).toBe(orders.length);
      }
    }
  });
});

describe("Airbyte acceptance: connection", () => {
  it("succeeds with good credentials: exactly one CONNECTION_STATUS, SUCCEEDED", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const run = await runAirbyte("check", { config: airbyteConfig(sandbox) });
    expect(run.exitCode).toBe(0);
    expect(run.messages.map((m) => [m.type, m.connectionStatus?.status])).toEqual([
      ["CONNECTION_STATUS", "SUCCEEDED"],
    ]);
  });

  it.each([
    [
      "a wrong client secret",
      (c: Record<string, unknown>) => ({
        ...c,
        credentials: { ...(c.credentials as object), client_secret: "wrong-secret-123" },
      }),
      /refused the client credentials/,
    ],
    [
      "a setting the spec does not know",
      (c: Record<string, unknown>) => ({ ...c, colour: "blue" }),
      /colour/,
    ],
    ["no credentials", ({ credentials: _c, ...rest }: Record<string, unknown>) => rest, /no credentials/],
  ])(
    "fails with %s: one CONNECTION_STATUS FAILED with a clear message, exit 0, no secret shown",
    async (_what, change, message) => {
      const sandbox = await useSandbox(SANDBOX);
      const run = await runAirbyte("check", { config: change(airbyteConfig(sandbox)) });
      expect(run.exitCode).toBe(0);
      expect(run.messages).toHaveLength(1);
      expect(run.messages[0]?.connectionStatus.status).toBe("FAILED");
      expect(run.messages[0]?.connectionStatus.message).toMatch(message);
      expect(JSON.stringify(run.messages)).not.toContain("wrong-secret-123");
    },
  );

  it("fails when the API cannot be reached, naming the address: one CONNECTION_STATUS FAILED, exit 0", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const config = airbyteConfig(sandbox);
    await sandbox.close();
    const run = await runAirbyte("check", { config });
    expect(run.exitCode).toBe(0);
    expect(run.messages).toHaveLength(1);
    expect(run.messages[0]?.connectionStatus).toEqual({
      status: "FAILED",
      message: expect.stringMatching(/could not be reached \(ECONNREFUSED\)/),
    });
  });

  it("turns an unexpected failure (the API failing through every retry) into a TRACE ERROR and a non-zero exit", async () => {
    const sandbox = await useSandbox(SANDBOX);
    for (let i = 0; i < 7; i++) sandbox.faults.enqueue({ kind: "status", status: 503, match: "workspaces" });
    const run = await runAirbyte("check", { config: airbyteConfig(sandbox) });
    expect(run.exitCode).not.toBe(0);
    expect(run.of("CONNECTION_STATUS")).toEqual([]);
    const [error] = run.traces("ERROR");
    expect(error?.trace.error.message).toMatch(/503/);
    expect(error?.trace.error.failure_type).toBe("transient_error");
  });
});

describe("Airbyte acceptance: discovery", () => {
  it("gives one CATALOG of valid draft-07 schemas whose cursors and keys exist, with sync modes for every stream", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const run = await runAirbyte("discover", { config: airbyteConfig(sandbox) });
    expect(run.exitCode).toBe(0);
    expect(run.messages.map((m) => m.type)).toEqual(["CATALOG"]);
    const streams = run.messages[0]?.catalog.streams as AirbyteMessage[];
    expect(new Set(streams.map((s) => s.name)).size).toBe(streams.length);
    for (const stream of streams) {
      const where = stream.name;
      expect(ajv.validateSchema(stream.json_schema), where).toBe(true);
      for (const [path, node] of nodes(stream.json_schema)) {
        expect(node.$ref, `${where}${path}`).toBeUndefined();
        expect(node.allOf, `${where}${path}`).toBeUndefined();
        expect(node.not, `${where}${path}`).toBeUndefined();
        if ("additionalProperties" in node) expect(node.additionalProperties, `${where}${path}`).toBe(true);
      }
      expect(stream.supported_sync_modes.length, where).toBeGreaterThan(0);
      const properties = stream.json_schema.properties as Record<string, { type: string | string[] }>;
      for (const [key] of stream.source_defined_primary_key) {
        expect(properties[key], `${where} key ${key}`).toBeDefined();
        expect([properties[key]?.type].flat(), `${where} key ${key}`).not.toContain("object");
      }
      if (stream.supported_sync_modes.includes("incremental")) {
        expect(stream.source_defined_cursor, where).toBe(true);
        expect(stream.is_resumable, where).toBe(true);
        expect(properties[stream.default_cursor_field[0]], `${where} cursor`).toBeDefined();
      }
    }
  });
});

describe("Airbyte acceptance: basic read", () => {
  it("emits records that validate, STARTED → RUNNING → COMPLETE for every stream, and STREAM states with sourceStats that count the records", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox));
    const run = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog });
    expect(run.exitCode).toBe(0);
    expect(run.notJson).toEqual([]);
    const names = catalog.streams.map((s) => s.stream.name);
    const schemas = new Map(catalog.streams.map((s) => [s.stream.name, ajv.compile(s.stream.json_schema)]));
    for (const m of run.records()) {
      expect(Number.isInteger(m.record.emitted_at)).toBe(true);
      expect(m.record.emitted_at).toBeGreaterThan(Date.parse("2026-01-01"));
      const validate = schemas.get(m.record.stream);
      expect(validate?.(m.record.data), `${m.record.stream}: ${JSON.stringify(validate?.errors)}`).toBe(true);
    }
    for (const name of names) {
      expect(run.records(name).length, `${name} has records`).toBeGreaterThan(0);
      const statuses = run
        .traces("STREAM_STATUS")
        .filter((m) => m.trace.stream_status.stream_descriptor.name === name)
        .map((m) => m.trace.stream_status.status);
      expect(statuses[0], name).toBe("STARTED");
      expect(statuses.at(-1), name).toBe("COMPLETE");
      expect(statuses, name).toContain("RUNNING");
    }
    const states = run.of("STATE");
    expect(states.length).toBeGreaterThanOrEqual(names.length);
    const counted = new Map<string, number>();
    for (const { state } of states) {
      expect(state.type).toBe("STREAM");
      expect(typeof state.sourceStats?.recordCount).toBe("number");
      const name = state.stream.stream_descriptor.name;
      counted.set(name, (counted.get(name) ?? 0) + state.sourceStats.recordCount);
    }
    for (const name of names) expect(counted.get(name), name).toBe(run.records(name).length);
    // Never the same state twice in a row.
    const texts = states.map((m) => JSON.stringify(m.state));
    for (let i = 1; i < texts.length; i++) expect(texts[i], `state ${i}`).not.toBe(texts[i - 1]);
    // Estimates from the listings.
    const estimates = new Map(
      run.traces("ESTIMATE").map((m) => [m.trace.estimate.name, m.trace.estimate.row_estimate]),
    );
    expect(estimates.get("tests")).toBe(sandbox.data.tests().length);
    expect(estimates.get("sessions")).toBeGreaterThanOrEqual(run.records("sessions").length * 0.9);
  });

  it("answers a catalog with an unknown stream or an invalid sync mode with a TRACE ERROR and a non-zero exit", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox), { streams: ["tests"] });
    for (const broken of [
      {
        streams: [
          {
            stream: { name: "__AIRBYTE__stream_that_does_not_exist", json_schema: {} },
            sync_mode: "INVALID",
            destination_sync_mode: "append",
          },
        ],
      },
      { streams: [{ ...catalog.streams[0], sync_mode: "incremental" }] },
    ]) {
      const run = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog: broken });
      expect(run.exitCode).toBe(2);
      const [error] = run.traces("ERROR");
      expect(error?.trace.error.failure_type).toBe("config_error");
      expect(error?.trace.error.message).toMatch(
        /unknown stream|sync_mode "incremental" is not one stream tests supports/,
      );
      expect(run.records()).toEqual([]);
    }
  });

  it("marks a stream INCOMPLETE with a TRACE ERROR when a test fails, and the others COMPLETE", async () => {
    const sandbox = await useSandbox(SANDBOX);
    // The first session details asked answer 503 through every retry (7 tries): that test fails.
    for (let i = 0; i < 7; i++)
      sandbox.faults.enqueue({ kind: "status", status: 503, match: "sessionDetail" });
    const catalog = configuredCatalog(await discovered(sandbox), { streams: ["workspaces", "sessions"] });
    const run = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog });
    expect(run.exitCode).toBe(1);
    const last = (name: string) =>
      run
        .traces("STREAM_STATUS")
        .filter((m) => m.trace.stream_status.stream_descriptor.name === name)
        .at(-1)?.trace.stream_status.status;
    expect(last("workspaces")).toBe("COMPLETE");
    expect(last("sessions")).toBe("INCOMPLETE");
    const [error] = run.traces("ERROR");
    expect(error?.trace.error.message).toMatch(/^Test [0-9a-f-]{36} \(".*"\) failed and was skipped/);
    expect(error?.trace.error.failure_type).toBe("transient_error");
    expect(run.records("sessions").length).toBeGreaterThan(0);
  });
});

describe("Airbyte acceptance: full refresh", () => {
  it("gives the same records by primary key on two reads", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox), { mode: "full_refresh" });
    const first = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog });
    const second = await runAirbyte("read", {
      config: airbyteConfig(sandbox),
      catalog,
      state: first.latestStates(),
    });
    const keysOf = (run: typeof first) => {
      const byStream = new Map<string, Set<string>>();
      for (const s of catalog.streams) {
        const keys = s.stream.source_defined_primary_key.map(([k]: string[]) => k);
        byStream.set(
          s.stream.name,
          new Set(run.records(s.stream.name).map((m) => keys.map((k: string) => m.record.data[k]).join("|"))),
        );
      }
      return byStream;
    };
    expect(keysOf(second)).toEqual(keysOf(first));
    expect(Math.max(...first.records().map((m) => m.record.emitted_at))).toBeLessThanOrEqual(
      Math.min(...second.records().map((m) => m.record.emitted_at)),
    );
  });
});

describe("Airbyte acceptance: incremental", () => {
  it("reads only what is new on a second read from the first's states", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox));
    const first = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog });
    const second = await runAirbyte("read", {
      config: airbyteConfig(sandbox),
      catalog,
      state: first.latestStates(),
    });
    expect(second.exitCode).toBe(0);
    for (const stream of ["sessions", "demographics", "tasks", "transcripts", "qx_scores"])
      expect(settled(second, stream), stream).toEqual([]);
    // New sessions arrive: the next read has exactly those.
    sandbox.data.advanceEpoch();
    const third = await runAirbyte("read", {
      config: airbyteConfig(sandbox),
      catalog,
      state: second.latestStates(),
    });
    const seen = new Set(first.records("sessions").map((m) => m.record.data.session_id));
    const fresh = third.records("sessions").map((m) => m.record.data.session_id);
    expect(fresh.length).toBeGreaterThan(0);
    // Sessions already read come again only if they were unfinished then (they are fetched once complete).
    const unfinishedThen = new Set(
      first
        .records("sessions")
        .filter((m) => m.record.data.finish_time === null)
        .map((m) => m.record.data.session_id),
    );
    expect(fresh.filter((id) => seen.has(id) && !unfinishedThen.has(id))).toEqual([]);
  });

  it("resumes from sampled intermediate states with at least the records still to come, and not all of them again", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox), { streams: ["sessions"] });
    const full = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog });
    const total = full.records().length;
    const states = full.of("STATE").filter((m) => m.state.sourceStats.recordCount > 0);
    expect(states.length).toBeGreaterThanOrEqual(3);
    let emitted = 0;
    const checkpoints: Array<{ state: AirbyteMessage; before: number }> = [];
    for (const { state } of states) {
      emitted += state.sourceStats.recordCount;
      checkpoints.push({ state, before: emitted });
    }
    for (const { state, before } of checkpoints.slice(1, -1)) {
      const resumed = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog, state: [state] });
      expect(resumed.records().length).toBeGreaterThanOrEqual(total - before);
      expect(resumed.records().length).toBeLessThan(total);
    }
  });

  it("reads no records from a far-future state, and still emits a STATE", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox), {
      streams: [
        "sessions",
        "demographics",
        "task_groups",
        "tasks",
        "transcripts",
        "qx_scores",
        "qx_task_group_scores",
      ],
    });
    const future = catalog.streams.map((s) => ({
      type: "STREAM",
      stream: {
        stream_descriptor: { name: s.stream.name },
        stream_state: { start_after: "2999-01-01T00:00:00Z" },
      },
    }));
    const run = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog, state: future });
    expect(run.exitCode).toBe(0);
    expect(run.records()).toEqual([]);
    expect(run.of("STATE").length).toBeGreaterThanOrEqual(1);
  });

  it("re-syncs a reset stream from the start and keeps every other stream's bookmarks", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox));
    const first = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog });
    const states = first.latestStates();
    // The platform's reset of transcripts: its state null, then gone.
    const reset = states.map((s) =>
      s.stream.stream_descriptor.name === "transcripts"
        ? { ...s, stream: { ...s.stream, stream_state: null } }
        : s,
    );
    const second = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog, state: reset });
    expect(second.records("transcripts").length).toBe(first.records("transcripts").length);
    const bookmarks = (run: typeof first, name: string) =>
      run.latestStates().find((s) => s.stream.stream_descriptor.name === name)?.stream.stream_state
        .finish_time;
    expect(bookmarks(second, "sessions")).toEqual(bookmarks(first, "sessions"));
    expect(bookmarks(second, "transcripts")).toEqual(bookmarks(first, "transcripts"));
    // A third read from there is quiet again: the reset did not cost anyone their bookmark.
    const third = await runAirbyte("read", {
      config: airbyteConfig(sandbox),
      catalog,
      state: second.latestStates(),
    });
    expect(third.records("transcripts")).toEqual([]);
    expect(settled(third, "sessions")).toEqual([]);
  });

  it("accepts the tap's own Singer state as a legacy state object, and a GLOBAL state", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const catalog = configuredCatalog(await discovered(sandbox), { streams: ["sessions", "tests"] });
    const first = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog });
    const states = first.latestStates();
    const sessions = states.find((s) => s.stream.stream_descriptor.name === "sessions")?.stream.stream_state;
    const global = [{ type: "GLOBAL", global: { stream_states: states.map((s) => s.stream) } }];
    const fromGlobal = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog, state: global });
    expect(settled(fromGlobal, "sessions")).toEqual([]);
    // A legacy object: the Singer state `tap-usertesting --state` takes.
    const partitions = Object.entries(sessions.finish_time).map(([test, finish]) => ({
      context: { test_id: test },
      replication_key: "finish_time",
      replication_key_value: finish,
      streams: ["sessions"],
      pending: sessions.pending?.[test] ?? [],
    }));
    const legacy = { bookmarks: { sessions: { partitions } } };
    const fromLegacy = await runAirbyte("read", { config: airbyteConfig(sandbox), catalog, state: legacy });
    expect(settled(fromLegacy, "sessions")).toEqual([]);
    // Both gave the same quiet read as the states they stand for.
    expect(fromLegacy.records().length).toBe(fromGlobal.records().length);
    const bad = await runAirbyte("read", {
      config: airbyteConfig(sandbox),
      catalog,
      state: [{ type: "SOMETHING" }],
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.traces("ERROR")[0]?.trace.error.message).toMatch(/STREAM, GLOBAL or LEGACY/);
  });
});

describe("Airbyte acceptance: media", () => {
  it("stores videos and reels in the configured storage, and a second read from the states downloads nothing", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "airbyte-media-"));
    try {
      const sandbox = await useSandbox({ ...SANDBOX, reelGenerationMs: 100 });
      const config = airbyteConfig(sandbox, { media_storage: dir });
      const catalog = configuredCatalog(await discovered(sandbox), {
        streams: ["session_videos", "highlight_reels"],
      });
      const first = await runAirbyte("read", { config, catalog });
      expect(first.exitCode).toBe(0);
      expect(first.records("session_videos").length).toBeGreaterThan(0);
      expect(first.records("highlight_reels").length).toBeGreaterThan(0);
      const before = sandbox.requests.length;
      const second = await runAirbyte("read", { config, catalog, state: first.latestStates() });
      expect(second.exitCode).toBe(0);
      expect(second.records("session_videos")).toEqual([]);
      const after = sandbox.requests.slice(before);
      expect(after.filter((r) => ["media", "videoDownloadUrl", "highlightReel"].includes(r.route))).toEqual(
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
