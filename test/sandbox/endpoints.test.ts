import { describe, expect, it } from "vitest";
import type {
  ApiSessionDetail,
  ApiSessionSummary,
  ApiStudy,
  ApiWorkspace,
  Sandbox,
} from "../../src/sandbox/index.js";
import { apiGet, apiJson, fetchToken, useSandbox } from "../helpers/sandbox.js";

const UNKNOWN = "00000000-0000-4000-8000-000000000000";

interface SessionPage {
  sessions: ApiSessionSummary[];
  meta: { pagination: { limit: number; offset: number; totalCount: number } };
}

function pick(sandbox: Sandbox, predicate: (t: ReturnType<Sandbox["data"]["tests"]>[number]) => boolean) {
  const test = sandbox.data.tests().find(predicate);
  if (!test) throw new Error("the default sandbox data lacks a test this spec needs");
  return test;
}

describe("every API endpoint answers 401 without a valid token", () => {
  it.each([
    "/usertesting/api/v1/workspaces",
    `/usertesting/api/v1/workspaces/${UNKNOWN}`,
    `/api/v2/sessionResults?testId=${UNKNOWN}`,
    `/api/v3/sessionResults/${UNKNOWN}`,
    `/api/v2/sessionResults/${UNKNOWN}/transcript`,
    `/api/v2/sessionResults/${UNKNOWN}/videoDownloadUrl`,
    `/api/v2/sessionResults/${UNKNOWN}/clips`,
    `/api/v2/testResults/${UNKNOWN}/qxScores`,
    `/api/v2/testResults/${UNKNOWN}/highlightreels`,
    `/api/v2/testResults/${UNKNOWN}/highlightreels/${UNKNOWN}`,
  ])("%s", async (path) => {
    const sandbox = await useSandbox();
    const missing = await apiGet(sandbox, path, null);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ code: "UNAUTHORIZED", message: "Missing access token" });
    const unknown = await apiGet(sandbox, path, "not-a-token-we-issued");
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ code: "UNAUTHORIZED", message: "Invalid access token" });
  });
});

describe("workspaces and their studies", () => {
  it("lists workspaces as an array of {uuid, name}", async () => {
    const sandbox = await useSandbox();
    const { status, body } = await apiJson<ApiWorkspace[]>(
      sandbox,
      "/usertesting/api/v1/workspaces",
      await fetchToken(sandbox),
    );
    expect(status).toBe(200);
    expect(body).toEqual(sandbox.data.workspaces());
    expect(body).toHaveLength(3);
  });

  it("pages studies 50 at a time with the last study's cursor, until an empty page", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const workspace = sandbox.data.workspaces()[0]?.uuid ?? "";
    const seen: ApiStudy[] = [];
    const pageSizes: number[] = [];
    let after: string | undefined;
    for (;;) {
      const query = after ? `?after=${after}` : "";
      const { status, body } = await apiJson<{ studies: ApiStudy[] }>(
        sandbox,
        `/usertesting/api/v1/workspaces/${workspace}${query}`,
        token,
      );
      expect(status).toBe(200);
      pageSizes.push(body.studies.length);
      if (body.studies.length === 0) break;
      seen.push(...body.studies);
      after = body.studies.at(-1)?.cursor;
    }
    expect(pageSizes).toEqual([50, 5, 0]);
    expect(seen).toEqual(sandbox.data.studies(workspace));
    const typed = seen.filter((s) => s.type === "STUDYV2");
    expect(
      typed.every((s) =>
        ["SURVEY", "NON_THINK_OUT_LOUD", "THINK_OUT_LOUD", "LIVE_CONVERSATION"].includes(s.productType ?? ""),
      ),
    ).toBe(true);
    expect(seen.some((s) => s.type === undefined)).toBe(true);
  });

  it("answers 400 for a malformed cursor or workspace id and 404 for an unknown workspace", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const workspace = sandbox.data.workspaces()[0]?.uuid;
    expect(
      (await apiJson(sandbox, `/usertesting/api/v1/workspaces/${workspace}?after=%%%`, token)).status,
    ).toBe(400);
    expect(
      (await apiJson(sandbox, `/usertesting/api/v1/workspaces/${workspace}?after=bm90LWEtbnVtYmVy`, token))
        .status,
    ).toBe(400);
    expect((await apiJson(sandbox, "/usertesting/api/v1/workspaces/not-a-uuid", token)).status).toBe(400);
    const unknown = await apiJson(sandbox, `/usertesting/api/v1/workspaces/${UNKNOWN}`, token);
    expect(unknown).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });
});

describe("the session listing", () => {
  it("pages by offset with meta.pagination, newest first, 500 at most a page", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const large = pick(sandbox, (t) => (sandbox.data.sessions(t.testId)?.length ?? 0) > 500);
    const pages: SessionPage[] = [];
    for (let offset = 0; ; offset += 500) {
      const { status, body } = await apiJson<SessionPage>(
        sandbox,
        `/api/v2/sessionResults?testId=${large.testId}&limit=500&offset=${offset}`,
        token,
      );
      expect(status).toBe(200);
      pages.push(body);
      if (offset + 500 >= body.meta.pagination.totalCount) break;
    }
    expect(pages.map((p) => p.sessions.length)).toEqual([500, 120]);
    expect(pages.map((p) => p.meta.pagination)).toEqual([
      { limit: 500, offset: 0, totalCount: 620 },
      { limit: 500, offset: 500, totalCount: 620 },
    ]);
    expect(pages.flatMap((p) => p.sessions)).toEqual(sandbox.data.sessionSummaries(large.testId));
  });

  it("defaults to 25 a page, accepts the reference script's trailing slash, and includes unfinished sessions", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const test = pick(sandbox, (t) => sandbox.data.sessions(t.testId)?.[0]?.status === "in_progress");
    const { body } = await apiJson<SessionPage>(
      sandbox,
      `/api/v2/sessionResults/?testId=${test.testId}`,
      token,
    );
    expect(body.meta.pagination.limit).toBe(25);
    expect(body.sessions[0]).toMatchObject({ status: "in_progress", finishTime: null });
  });

  it("answers an empty first page for a Results API test with no sessions yet", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const empty = pick(
      sandbox,
      (t) => t.api === "results_api" && sandbox.data.sessions(t.testId)?.length === 0,
    );
    const { status, body } = await apiJson<SessionPage>(
      sandbox,
      `/api/v2/sessionResults?testId=${empty.testId}&limit=10`,
      token,
    );
    expect(status).toBe(200);
    expect(body).toEqual({ sessions: [], meta: { pagination: { limit: 10, offset: 0, totalCount: 0 } } });
  });

  it("answers 404 NOT_FOUND for classic tests, as the documents describe", async () => {
    const sandbox = await useSandbox();
    const classic = pick(sandbox, (t) => t.api === "classic");
    const response = await apiJson(
      sandbox,
      `/api/v2/sessionResults?testId=${classic.testId}&limit=10`,
      await fetchToken(sandbox),
    );
    expect(response).toMatchObject({
      status: 404,
      body: { code: "NOT_FOUND", message: "Resource not found" },
    });
  });

  it.each([
    ["limit=0", 400],
    ["limit=501", 400],
    ["limit=abc", 400],
    ["limit=1", 200],
    ["limit=500", 200],
    ["offset=-1", 400],
    ["offset=10001", 400],
    ["offset=10000", 200],
    ["offset=1.5", 400],
  ])("answers %s with %i", async (query, status) => {
    const sandbox = await useSandbox();
    const test = pick(sandbox, (t) => t.api === "results_api");
    const response = await apiJson<{ code?: string }>(
      sandbox,
      `/api/v2/sessionResults?testId=${test.testId}&${query}`,
      await fetchToken(sandbox),
    );
    expect(response.status).toBe(status);
    if (status === 400) expect(response.body.code).toBe("BAD_REQUEST");
  });

  it("answers 400 without a testId or with a malformed one", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    expect((await apiJson(sandbox, "/api/v2/sessionResults", token)).status).toBe(400);
    expect((await apiJson(sandbox, "/api/v2/sessionResults?testId=123", token)).status).toBe(400);
  });

  it("cannot reach past offset 10000 plus one page: a real limit the client must report", async () => {
    const sandbox = await useSandbox({ hugeTestSessions: 10_600 });
    const token = await fetchToken(sandbox);
    const huge = pick(sandbox, (t) => (sandbox.data.sessions(t.testId)?.length ?? 0) === 10_600);
    const last = await apiJson<SessionPage>(
      sandbox,
      `/api/v2/sessionResults?testId=${huge.testId}&limit=500&offset=10000`,
      token,
    );
    expect(last.body.sessions).toHaveLength(500);
    expect(last.body.meta.pagination.totalCount).toBe(10_600);
    expect(
      (await apiJson(sandbox, `/api/v2/sessionResults?testId=${huge.testId}&limit=500&offset=10500`, token))
        .status,
    ).toBe(400);
  });
});

describe("session details, transcripts and QX scores", () => {
  it("serves v3 details exactly as the truth has them", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    for (const session of sandbox.data.allSessions().slice(0, 40)) {
      const { status, body } = await apiJson<ApiSessionDetail>(
        sandbox,
        `/api/v3/sessionResults/${session.sessionId}`,
        token,
      );
      expect(status).toBe(200);
      expect(body).toEqual(sandbox.data.sessionDetail(session.sessionId));
      expect(Object.keys(body)).toEqual([
        "sessionId",
        "audienceId",
        "testPlanId",
        "sessionParticipant",
        "taskGroups",
        "tasks",
      ]);
    }
    expect((await apiJson(sandbox, `/api/v3/sessionResults/${UNKNOWN}`, token)).status).toBe(404);
    expect((await apiJson(sandbox, "/api/v3/sessionResults/nope", token)).status).toBe(400);
    expect((await apiJson(sandbox, `/api/v2/sessionResults/${UNKNOWN}`, token)).status).toBe(404);
  });

  it("serves transcripts as text/vtt, byte for byte, and 404 where there is none", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const withBom = sandbox.data
      .allSessions()
      .find((s) => sandbox.data.transcript(s.sessionId)?.vtt.startsWith("\uFEFF"));
    const response = await apiGet(sandbox, `/api/v2/sessionResults/${withBom?.sessionId}/transcript`, token);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/vtt; charset=utf-8");
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString("utf8")).toBe(sandbox.data.transcript(withBom?.sessionId ?? "")?.vtt);
    const survey = sandbox.data.allSessions().find((s) => sandbox.data.test(s.testId)?.testType === "survey");
    expect(
      (await apiGet(sandbox, `/api/v2/sessionResults/${survey?.sessionId}/transcript`, token)).status,
    ).toBe(404);
  });

  it("serves QX scores for tests that have them and 404 for the rest", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const qx = pick(sandbox, (t) => t.hasQxScores && (sandbox.data.sessions(t.testId)?.length ?? 0) > 0);
    const { status, body } = await apiJson(sandbox, `/api/v2/testResults/${qx.testId}/qxScores`, token);
    expect(status).toBe(200);
    expect(body).toEqual(sandbox.data.qxScores(qx.testId));
    const survey = pick(sandbox, (t) => t.testType === "survey");
    expect((await apiJson(sandbox, `/api/v2/testResults/${survey.testId}/qxScores`, token)).status).toBe(404);
    expect((await apiJson(sandbox, "/api/v2/testResults/xyz/qxScores", token)).status).toBe(400);
  });

  it("answers 405 for other methods and 404 for paths it does not serve", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const post = await fetch(`${sandbox.url}/usertesting/api/v1/workspaces`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    expect((await apiGet(sandbox, "/api/v9/anything", token)).status).toBe(404);
  });
});
