import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SchemaMessage } from "../../src/protocol/singer.js";
import { startSandbox } from "../../src/sandbox/index.js";
import { STREAMS } from "../../src/streams/registry.js";
import { parseWebVtt } from "../../src/transcripts/parse-webvtt.js";
import { createAjv } from "../../src/util/json-schema.js";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";

const keyOf = (record: Record<string, unknown>, keys: string[]) => JSON.stringify(keys.map((k) => record[k]));
/** Rows in a fixed order: the run visits tests freshest first, not in the listing's order. */
const sorted = <T>(rows: T[]): T[] =>
  rows
    .map((r) => [JSON.stringify(r), r] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);

/** The tap must be right under each reading of the vendor's documents: the guides' and the OpenAPI's. */
describe.each(["guides", "openapi"] as const)("a full sync of the sandbox (%s reading)", async (shapes) => {
  // This describe's own sandbox, closed after its last spec (useSandbox's close after each spec
  // would stop it under the other reading's run, which starts at collection too).
  const sandbox = await startSandbox({ requestsPerMinute: 0, reelGenerationMs: 0, apiShapes: shapes });
  // One run of every stream, clips and media included, serves every assertion below; the media
  // go to a folder of this run's own, removed after.
  const media = mkdtempSync(join(tmpdir(), "full-sync-media-"));
  afterAll(async () => {
    await run.catch(() => undefined);
    await sandbox.close();
    rmSync(media, { recursive: true, force: true });
  });
  const run = runTapOn(sandbox, { streams: STREAMS.map((s) => s.name), config: { media_storage: media } });
  const data = sandbox.data;
  const completed = () => data.allListedSessions().filter((s) => s.status === "completed");

  it("ends well and writes only Singer messages, with STATE last", async () => {
    const { sink, result, error, logs } = await run;
    expect(error).toBeUndefined();
    expect(result?.exitCode, logs.filter((l) => l.startsWith("ERROR")).join("\n")).toBe(0);
    expect(sink.messages.at(-1)?.type).toBe("STATE");
    expect(new Set(sink.messages.map((m) => m.type))).toEqual(new Set(["SCHEMA", "RECORD", "STATE"]));
    // The run it waits for stores every video and reel too: more than the default 20 s on a busy machine.
  }, 120_000);

  it("emits records that validate against the SCHEMA messages it sent, with no duplicate key", async () => {
    const { sink } = await run;
    const ajv = createAjv();
    const schemas = sink.messages.filter((m): m is SchemaMessage => m.type === "SCHEMA");
    const validators = new Map(schemas.map((m) => [m.stream, ajv.compile(m.schema)]));
    expect([...validators.keys()]).toEqual(STREAMS.map((s) => s.name));
    let checked = 0;
    for (const message of sink.messages) {
      if (message.type !== "RECORD") continue;
      const validate = validators.get(message.stream);
      expect(validate, `SCHEMA before RECORD of ${message.stream}`).toBeDefined();
      expect(validate?.(message.record), JSON.stringify(validate?.errors)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(5_000);
    // A full sync emits each key once: keys stay unique even where the API's fields are null.
    for (const schema of schemas) {
      const keys = schema.key_properties ?? [];
      const records = sink.records(schema.stream);
      expect(new Set(records.map((r) => keyOf(r, keys))).size, schema.stream).toBe(records.length);
    }
  });

  it("emits every workspace, with the internal id where the API serves one", async () => {
    const { sink } = await run;
    expect(sink.records("workspaces")).toEqual(
      data.workspaces().map((w) => ({ workspace_id: w.uuid, name: w.name, internal_id: w.id ?? null })),
    );
    if (shapes === "openapi")
      expect(sink.records("workspaces").every((w) => w.internal_id !== null)).toBe(true);
  });

  it("flags classic tests and classifies every Results API test as the truth says", async () => {
    const { sink } = await run;
    const tests = new Map(sink.records("tests").map((r) => [r.test_id as string, r]));
    expect(tests.size).toBe(data.tests().length);
    for (const truth of data.tests()) {
      const record = tests.get(truth.testId);
      expect(record?.api).toBe(truth.api);
      expect(record?.type).toBe(truth.listingType?.toUpperCase() ?? null);
      expect(record?.product_type).toBe(truth.listingProductType?.toUpperCase() ?? null);
      if (truth.api === "classic") {
        expect(record).toMatchObject({ test_type: null, classified_by: null, session_count: null });
      } else if (truth.listedWithType) {
        expect(record).toMatchObject({ test_type: truth.testType, classified_by: "product_type" });
      } else {
        expect(record).toMatchObject({
          test_type: truth.probeTestType,
          classified_by: truth.probeTestType ? "probe" : null,
        });
      }
      if (truth.api === "results_api")
        expect(record?.session_count).toBe(data.listedSessions(truth.testId)?.length);
    }
    // A think-out-loud test the listing does not type is one, video or not.
    const thinkAloud = data.tests().filter((t) => !t.listedWithType && t.testType === "think-out-loud test");
    for (const t of thinkAloud.filter((t) => t.probeTestType))
      expect(tests.get(t.testId)?.test_type).toBe("think-out-loud test");
  });

  it("spends no call on a test the listing types as classic", async () => {
    const { calls } = await run;
    const listedClassic = data.tests().filter((t) => t.api === "classic" && t.listingType !== null).length;
    const otherClassic = data.tests().filter((t) => t.api === "classic" && t.listingType === null).length;
    expect(listedClassic).toBeGreaterThan(0);
    const resultsApi = data.tests().filter((t) => t.api === "results_api");
    const pages = resultsApi.reduce(
      (n, t) => n + Math.max(1, Math.ceil((data.listedSessions(t.testId)?.length ?? 0) / 500)),
      0,
    );
    expect(calls("sessionResults")).toBe(pages + otherClassic);
  });

  it("emits every listed session with its status in one vocabulary, and v3 details for every completed one", async () => {
    const { sink } = await run;
    const sessions = new Map(sink.records("sessions").map((r) => [r.session_id as string, r]));
    const truth = data.allListedSessions();
    expect(sessions.size).toBe(truth.length);
    for (const s of truth) {
      const record = sessions.get(s.sessionId);
      expect(record).toMatchObject({
        test_id: s.testId,
        status: s.status,
        start_time: s.startTime,
        finish_time: s.finishTime,
      });
      if (s.status === "completed") {
        const detail = data.sessionDetail(s.sessionId);
        expect(record?.participant_id).toBe(detail?.sessionParticipant?.participantId ?? null);
        expect(record?.test_plan_id).toBe(detail?.testPlanId ?? null);
      }
    }
  });

  it("flattens demographics, task groups and tasks with session and participant ids", async () => {
    const { sink } = await run;
    const details = completed().map((s) => data.sessionDetail(s.sessionId));
    const finished = new Map(completed().map((s) => [s.sessionId, s.finishTime]));
    const demographics = details.flatMap((d) =>
      (d?.sessionParticipant?.demographicsInfo ?? []).map((item, position) => ({
        session_id: d?.sessionId,
        finish_time: finished.get(d?.sessionId ?? ""),
        participant_id: d?.sessionParticipant?.participantId ?? null,
        position,
        demographic_id: (item as { id?: string | null }).id ?? null,
        demographic_code: item.code ?? null,
        label: item.label ?? null,
        value: item.value ?? null,
        type: item.type ?? null,
      })),
    );
    expect(sorted(sink.records("demographics"))).toEqual(sorted(demographics));
    if (shapes === "openapi") {
      expect(demographics.some((d) => d.demographic_code === null)).toBe(true);
      expect(demographics.every((d) => d.demographic_id !== null)).toBe(true);
    }
    expect(sorted(sink.records("task_groups"))).toEqual(
      sorted(
        details.flatMap((d) =>
          (d?.taskGroups ?? []).map((g) => ({
            session_id: d?.sessionId,
            finish_time: finished.get(d?.sessionId ?? ""),
            participant_id: d?.sessionParticipant?.participantId ?? null,
            task_group_uuid: g.uuid,
            task_group_type: g.type,
            task_group_response: g.response ?? null,
          })),
        ),
      ),
    );
    expect(sorted(sink.records("tasks"))).toEqual(
      sorted(
        details.flatMap((d) =>
          (d?.tasks ?? []).map((t, position) => ({
            session_id: d?.sessionId,
            finish_time: finished.get(d?.sessionId ?? ""),
            participant_id: d?.sessionParticipant?.participantId ?? null,
            task_uuid: t.uuid,
            position,
            task_text: t.text,
            task_type: t.type,
            start_time_ms: t.response?.startTimeMs ?? null,
            end_time_ms: t.response?.endTimeMs ?? null,
            skipped: t.response?.skipped ?? null,
            answer_json: t.response?.answer ?? null,
          })),
        ),
      ),
    );
  });

  it("keeps every transcript cue in order, with speakers, and the raw WebVTT as served", async () => {
    const { sink } = await run;
    const withTranscript = completed().filter((s) => data.transcript(s.sessionId));
    const records = new Map(sink.records("transcripts").map((r) => [r.session_id as string, r]));
    expect(records.size).toBe(withTranscript.length);
    for (const s of withTranscript) {
      const truth = data.transcript(s.sessionId);
      const record = records.get(s.sessionId);
      expect(record?.transcript_vtt).toBe(truth?.vtt);
      expect(record?.cues).toEqual(
        truth?.cues.map((c) => ({ start_ms: c.startMs, end_ms: c.endMs, speaker: c.speaker, text: c.text })),
      );
    }
    expect(parseWebVtt(String(records.values().next().value?.transcript_vtt)).errors).toEqual([]);
  });

  it("keeps QX scores whole, and one row per QX task group for charts", async () => {
    const { sink } = await run;
    const withQx = data.tests().filter((t) => data.qxScores(t.testId));
    expect(withQx.length).toBeGreaterThan(0);
    expect(new Map(sink.records("qx_scores").map((r) => [r.test_id, r.qx_scores]))).toEqual(
      new Map(withQx.map((t) => [t.testId, data.qxScores(t.testId)])),
    );
    const rows = withQx.flatMap((t) => {
      const body = data.qxScores(t.testId) as {
        qxScores: Array<{
          taskGroupId: string;
          label: string;
          qxScore: number | null;
          components: { behavioral: number | null; attitudinal: number };
          values: {
            behavioral: number[] | null;
            usability: number;
            trust: number;
            appearance: number;
            loyalty: number;
          };
        }>;
        meta: { completes: number };
      };
      return body.qxScores.map((q) => ({
        test_id: t.testId,
        task_group_id: q.taskGroupId,
        label: q.label,
        qx_score: q.qxScore,
        behavioral: q.components.behavioral,
        attitudinal: q.components.attitudinal,
        usability: q.values.usability,
        trust: q.values.trust,
        appearance: q.values.appearance,
        loyalty: q.values.loyalty,
        behavioral_task_scores: q.values.behavioral,
        completes: body.meta.completes,
      }));
    });
    expect(sorted(sink.records("qx_task_group_scores").map(({ extracted_at: _, ...r }) => r))).toEqual(
      sorted(rows),
    );
  });

  it("syncs the clips of every completed session and the highlight reels of every test, when selected", async () => {
    const { sink } = await run;
    const byId = <T extends Record<string, unknown>>(rows: T[], key: string) =>
      [...rows].sort((x, y) => String(x[key]).localeCompare(String(y[key])));
    const clips = completed().flatMap((s) => {
      const list = data.clips(s.sessionId);
      return (list?.clips ?? []).map((c) => ({
        clip_id: c.uuid,
        session_id: s.sessionId,
        test_id: s.testId,
        finish_time: s.finishTime,
        name: c.name,
        description: c.description ?? null,
        start_ms: c.timeStartMs,
        end_ms: c.timeEndMs,
        video_id: c.videoUuid,
        has_audio: c.hasAudio,
        has_camera: c.hasCamera,
        layout: c.layout ?? null,
        video_regions: list?.videoRegions ?? null,
      }));
    });
    expect(clips.length).toBeGreaterThan(0);
    const clipRows = sink.records("clips").map(({ extracted_at: _, ...r }) => r);
    expect(byId(clipRows, "clip_id")).toEqual(byId(clips, "clip_id"));
    const reels = data.tests().flatMap((t) => {
      const list = data.highlightReels(t.testId);
      return (list?.reels ?? []).map((r) => ({
        reel_id: r.uuid,
        test_id: t.testId,
        name: r.name,
        duration_ms: r.durationMs,
        last_updated_at_ms: r.lastUpdatedAtMs,
        last_updated_at: new Date(r.lastUpdatedAtMs).toISOString(),
        num_clips: r.numClips,
        are_all_clips_in_reel: r.areAllClipsInReel,
        study_with_clips: list?.studyWithClips ?? null,
        status: r.failsToGenerate ? "ERROR" : "GENERATED",
      }));
    });
    expect(reels.length).toBeGreaterThan(0);
    const reelRows = sink
      .records("highlight_reels")
      .map(({ extracted_at: _, storage_path: _p, bytes: _b, sha256: _s, downloaded_at: _d, ...r }) => r);
    expect(byId(reelRows, "reel_id")).toEqual(byId(reels, "reel_id"));
  });

  it("prints a summary with counts by type, unclassified tests and why, and API calls", async () => {
    const { logs } = await run;
    const text = logs.join("\n");
    expect(text).toMatch(/Tests: 79 \(64 Results API, 15 classic\)/);
    expect(text).toMatch(/unclassified \d+: .*with no sessions yet/);
    expect(text).toMatch(/API requests: \d+ \(0 rate-limited, 0 retries/);
    expect(text).toContain("[PASS] no processing errors recorded");
  });
});

describe("streams off by default", () => {
  it("clips and highlight reels cost no call unless a catalog selects them", async () => {
    const sandbox = await useSandbox();
    const run = await runTapOn(sandbox);
    expect(run.error).toBeUndefined();
    expect(run.calls("clips")).toBe(0);
    expect(run.calls("highlightReels")).toBe(0);
    expect(run.sink.records("clips")).toEqual([]);
    expect(run.sink.messages.some((m) => "stream" in m && m.stream === "highlight_reels")).toBe(false);
  });
});
