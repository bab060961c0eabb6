import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ApiResponseError } from "../../src/errors.js";
import { clientFor, collect } from "../helpers/client.js";
import { useSandbox } from "../helpers/sandbox.js";

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe("workspaces and studies", () => {
  it("lists every study of every workspace in the fewest calls: one per 50 plus the empty page", async () => {
    const sandbox = await useSandbox();
    const { client, stats } = clientFor(sandbox);
    const workspaces = await client.workspaces();
    expect(workspaces).toEqual(sandbox.data.workspaces());
    for (const workspace of workspaces) {
      const studies = (await collect(client.studies(workspace.uuid))).flat();
      expect(studies).toEqual(sandbox.data.studies(workspace.uuid));
    }
    // 55 studies: pages of 50 and 5, then the empty page; 12 and 12: one page and the empty page.
    expect(stats.count("workspaceStudies")).toBe(3 + 2 + 2);
  });

  it("yields a study once when a new test shifts the positional cursors mid-paging", async () => {
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox);
    const workspace = sandbox.data.workspaces()[0]?.uuid ?? "";
    const pages: string[][] = [];
    for await (const page of client.studies(workspace)) {
      pages.push(page.map((s) => s.uuid));
      if (pages.length === 1) sandbox.data.advanceEpoch();
    }
    const all = pages.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(55);
  });

  it("stops on a cursor the API repeats, and says so", async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const n = req.url?.includes("after=") ? 2 : 1;
      res.end(
        JSON.stringify({
          studies: [
            {
              cursor: "Mg",
              uuid: `00000000-0000-4000-8000-00000000000${n}`,
              title: "t",
              orderedAt: "2026-01-01T00:00:00Z",
              orderedBy: { name: "x", email: null },
            },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => server.close());
    const sandbox = await useSandbox();
    const { client, logs } = clientFor(sandbox, {
      api_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      access_token: "static-token",
      client_id: undefined,
      client_secret: undefined,
    });
    const studies = (await collect(client.studies("00000000-0000-4000-8000-00000000000a"))).flat();
    expect(studies.map((s) => s.uuid)).toEqual([
      "00000000-0000-4000-8000-000000000001",
      "00000000-0000-4000-8000-000000000002",
    ]);
    expect(
      logs.some((l) => l.includes("repeated cursor 'Mg'; stopped paging to avoid a loop (2 studies read)")),
    ).toBe(true);
  });
});

describe("sessions", () => {
  it("pages 620 sessions in two calls of 500, newest first", async () => {
    const sandbox = await useSandbox();
    const { client, stats } = clientFor(sandbox);
    const large = sandbox.data.tests().find((t) => sandbox.data.sessions(t.testId)?.length === 620);
    const listing = await client.openSessions(large?.testId ?? "");
    expect(listing?.totalCount).toBe(620);
    const sessions = (await collect(listing?.pages() ?? [])).flatMap((p) => p.sessions);
    expect(sessions).toEqual(sandbox.data.sessionSummaries(large?.testId ?? ""));
    expect(stats.count("sessionResults")).toBe(2);
  });

  it("keeps every session once when new ones arrive between pages", async () => {
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox);
    const test = sandbox.data.tests().find((t) => (sandbox.data.sessions(t.testId)?.length ?? 0) >= 8);
    const before = sandbox.data.sessions(test?.testId ?? "")?.map((s) => s.sessionId) ?? [];
    const listing = await client.openSessions(test?.testId ?? "", { limit: 3 });
    const seen: string[] = [];
    let duplicates = 0;
    for await (const page of listing?.pages() ?? []) {
      seen.push(...page.sessions.map((s) => s.sessionId));
      duplicates += page.duplicates;
      // Two participants finish while we page: every later session shifts two places down.
      if (page.offset === 0) sandbox.data.addSessions(test?.testId ?? "", 2);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(before));
    expect(duplicates).toBe(2);
  });

  it("warns, naming the test, how many sessions lie beyond the offset-10000 limit", async () => {
    const sandbox = await useSandbox({ hugeTestSessions: 10_600 });
    const { client, stats, logs } = clientFor(sandbox);
    const huge = sandbox.data.tests().find((t) => sandbox.data.sessions(t.testId)?.length === 10_600);
    const listing = await client.openSessions(huge?.testId ?? "");
    const sessions = (await collect(listing?.pages() ?? [])).flatMap((p) => p.sessions);
    expect(sessions).toHaveLength(10_500);
    expect(stats.count("sessionResults")).toBe(21);
    expect(logs).toContainEqual(
      `WARN Test ${huge?.testId} has 100 sessions beyond the API's offset limit (offset 10000 + 500); the Results API cannot list them, so they are not synced.`,
    );
  });

  it("answers null for a classic test and an empty listing for a test with no sessions", async () => {
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox);
    const classic = sandbox.data.tests().find((t) => t.api === "classic");
    expect(await client.openSessions(classic?.testId ?? "")).toBeNull();
    const empty = sandbox.data
      .tests()
      .find((t) => t.api === "results_api" && sandbox.data.sessions(t.testId)?.length === 0);
    const listing = await client.openSessions(empty?.testId ?? "");
    expect(listing?.totalCount).toBe(0);
    expect((await collect(listing?.pages() ?? [])).flatMap((p) => p.sessions)).toEqual([]);
  });
});

describe("session resources", () => {
  it("returns details, transcripts, video URLs, QX scores and highlight reels, or null for 404", async () => {
    const sandbox = await useSandbox({ reelGenerationMs: 0 });
    const { client } = clientFor(sandbox);
    const data = sandbox.data;
    const withTranscript = data.allSessions().find((s) => s.hasTranscript);
    const withVideo = data.allSessions().find((s) => s.hasVideo);
    const survey = data.allSessions().find((s) => data.test(s.testId)?.testType === "survey");
    expect(await client.sessionDetail(withTranscript?.sessionId ?? "")).toEqual(
      data.sessionDetail(withTranscript?.sessionId ?? ""),
    );
    expect(await client.transcript(withTranscript?.sessionId ?? "")).toBe(
      data.transcript(withTranscript?.sessionId ?? "")?.vtt,
    );
    expect(await client.transcript(survey?.sessionId ?? "")).toBeNull();
    expect((await client.videoDownloadUrl(withVideo?.sessionId ?? ""))?.videoUrl).toMatch(/X-Amz-Signature=/);
    expect(await client.videoDownloadUrl(survey?.sessionId ?? "")).toBeNull();
    const qxTest = data.tests().find((t) => t.hasQxScores && (data.sessions(t.testId)?.length ?? 0) > 0);
    expect(await client.qxScores(qxTest?.testId ?? "")).toEqual(data.qxScores(qxTest?.testId ?? ""));
    expect(await client.qxScores(survey?.testId ?? "")).toBeNull();
    const reelTest = data.tests().find((t) => (data.highlightReels(t.testId)?.reels.length ?? 0) > 0);
    const reels = await client.highlightReels(reelTest?.testId ?? "");
    expect(reels?.reels.length).toBe(data.highlightReels(reelTest?.testId ?? "")?.reels.length);
    const reelId = reels?.reels[0]?.uuid ?? "";
    expect((await client.highlightReel(reelTest?.testId ?? "", reelId))?.status).toBe("GENERATING");
    expect(["GENERATED", "ERROR"]).toContain(
      (await client.highlightReel(reelTest?.testId ?? "", reelId))?.status,
    );
    expect(await client.sessionDetail("00000000-0000-4000-8000-000000000000")).toBeNull();
  });

  it("names the endpoint and field of a response with an unexpected shape", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ sessions: "not-a-list", meta: { pagination: { totalCount: 1 } } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => server.close());
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox, {
      api_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      access_token: "static-token",
      client_id: undefined,
      client_secret: undefined,
    });
    const error = await client.openSessions("00000000-0000-4000-8000-000000000001").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect((error as Error).message).toBe(
      "GET /api/v2/sessionResults answered with an unexpected shape: 'sessions' should be an array but is string \"not-a-list\".",
    );
  });
});
