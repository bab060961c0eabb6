import { describe, expect, it } from "vitest";
import { ENDPOINTS } from "../../src/api/endpoints.js";
import { normaliseProductType, normaliseStudyType } from "../../src/api/listing-enums.js";
import { readQxTaskGroups, readStudies } from "../../src/api/read-bodies.js";
import { readSessionStatus } from "../../src/api/session-status.js";

describe("a session's status, whatever its spelling", () => {
  it.each([
    ["completed", "2026-01-01T00:00:00Z", "completed", "completed"],
    ["COMPLETE", "2026-01-01T00:00:00.347Z", "completed", "completed"],
    ["Completed", "2026-01-01T00:00:00Z", "completed", "completed"],
    ["in_progress", null, "in_progress", "unfinished"],
    ["IN_PROGRESS", null, "in_progress", "unfinished"],
    ["in-progress", null, "in_progress", "unfinished"],
    ["ABANDONED", null, "abandoned", "ended"],
    ["expired", null, "expired", "ended"],
    ["QUALIFIED", "2026-01-01T00:00:00Z", "QUALIFIED", "completed"],
    ["QUALIFIED", null, "QUALIFIED", "unfinished"],
    [undefined, "2026-01-01T00:00:00Z", null, "completed"],
    [null, null, null, "unfinished"],
  ])("%s (finishTime %s) is written %s and read as %s", (raw, finish, status, lifecycle) => {
    expect(readSessionStatus(raw, finish)).toMatchObject({ status, lifecycle });
  });

  it("flags the spellings it does not know, not the ones it does", () => {
    expect(readSessionStatus("QUALIFIED", "2026-01-01T00:00:00Z").unknown).toBe(true);
    expect(readSessionStatus("COMPLETE", "2026-01-01T00:00:00Z").unknown).toBe(false);
    expect(readSessionStatus(undefined, "2026-01-01T00:00:00Z").unknown).toBe(false);
  });
});

describe("the listing's type and productType", () => {
  it.each([
    ["STUDYV2", "STUDYV2"],
    ["studyv2", "STUDYV2"],
    ["web", "WEB"],
    ["External_Upload", "EXTERNAL_UPLOAD"],
    ["SOMETHING_NEW", "SOMETHING_NEW"],
    ["", undefined],
    [undefined, undefined],
  ])("type %s is written %s", (raw, written) => expect(normaliseStudyType(raw)).toBe(written));

  it.each([
    ["think_out_loud", "THINK_OUT_LOUD"],
    ["NON_THINK_OUT_LOUD", "NON_THINK_OUT_LOUD"],
    ["insight_core", "INSIGHT_CORE"],
    ["brand_new_kind", "brand_new_kind"],
  ])("productType %s is written %s", (raw, written) => expect(normaliseProductType(raw)).toBe(written));
});

describe("the v1 study listing", () => {
  const study = { cursor: "MQ", uuid: "ef333003-697b-4add-b19a-8e8e37f8d8b8", title: "ACME", type: "web" };
  it("is read as the guides' object and as the OpenAPI's bare array alike", () => {
    const fromObject = readStudies({ studies: [study] }, ENDPOINTS.workspaceStudies);
    const fromArray = readStudies([study], ENDPOINTS.workspaceStudies);
    expect(fromObject).toEqual(fromArray);
    expect(fromArray[0]).toMatchObject({ uuid: study.uuid, type: "WEB", cursor: "MQ" });
  });

  it("names the field of a listing it cannot read", () => {
    expect(() => readStudies({ items: [] }, ENDPOINTS.workspaceStudies)).toThrow(
      "GET /usertesting/api/v1/workspaces/{workspaceId} answered with an unexpected shape: 'studies' should be an array but is missing.",
    );
    expect(() => readStudies([{ title: "no id" }], ENDPOINTS.workspaceStudies)).toThrow("'[0].uuid'");
  });
});

describe("QX scores by task group", () => {
  const body = {
    testId: "t",
    qxScores: [
      {
        taskGroupId: "g1",
        label: "QXscore 1",
        qxScore: null,
        components: { behavioral: null, attitudinal: 50 },
        values: { behavioral: null, usability: 50, trust: 51, appearance: 52, loyalty: 53 },
      },
      {
        taskGroupId: "g2",
        label: "QXscore 2",
        qxScore: 71.5,
        components: { behavioral: 80, attitudinal: 63 },
        values: { behavioral: [90, 70], usability: 60, trust: 61, appearance: 62, loyalty: 64 },
      },
    ],
    meta: { totalQxTasks: 2, completes: 12 },
  };

  it("reads every item of the OpenAPI's body, nulls kept", () => {
    const read = readQxTaskGroups(body, ENDPOINTS.qxScores);
    expect(read?.completes).toBe(12);
    expect(read?.items).toEqual([
      expect.objectContaining({
        taskGroupId: "g1",
        qxScore: null,
        behavioral: null,
        attitudinal: 50,
        loyalty: 53,
      }),
      expect.objectContaining({ taskGroupId: "g2", qxScore: 71.5, behavioralTaskScores: [90, 70] }),
    ]);
  });

  it("gives none for a body without qxScores, and names a qxScores it cannot read", () => {
    expect(readQxTaskGroups({ testId: "t", score: 3 }, ENDPOINTS.qxScores)).toBeNull();
    expect(() => readQxTaskGroups({ qxScores: [{ label: "x" }] }, ENDPOINTS.qxScores)).toThrow(
      "'qxScores[0].taskGroupId'",
    );
    expect(() =>
      readQxTaskGroups(
        { qxScores: [{ taskGroupId: "g", values: { behavioral: "high" } }] },
        ENDPOINTS.qxScores,
      ),
    ).toThrow("'qxScores[0].values.behavioral' should be an array of numbers or null");
  });
});
