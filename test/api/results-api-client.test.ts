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

describe.each(["guides", "openapi"] as const)("workspaces and studies (%s reading)", (shapes) => {
  it("lists every study of every workspace in the fewest calls: one per 50 plus the empty page", async () => {
    const sandbox = await useSandbox({ apiShapes: shapes });
    const { client, stats } = clientFor(sandbox);
    const workspaces = await client.workspaces();
    expect(workspaces).toEqual(
      sandbox.data.workspaces().map((w) => ({ uuid: w.uuid, name: w.name, id: w.id ?? null })),
    );
    for (const workspace of workspaces) {
      const studies = (await collect(client.studies(workspace.uuid))).flat();
      const truth = sandbox.data.tests().filter((t) => t.workspaceId === workspace.uuid);
      expect(studies.map((s) => s.uuid).sort()).toEqual(truth.map((t) => t.testId).sort());
      for (const study of studies) {
        const t = truth.find((x) => x.testId === study.uuid);
        // Compared without case, written in the documented upper case.
        expect(study.type).toBe(t?.listingType?.toUpperCase());
        expect(study.productType).toBe(t?.listingProductType?.toUpperCase());
      }
    }
    // 55 studies: pages of 50 and 5, then the empty page; 12 and 12: one page and the empty page.
    expect(stats.count("workspaceStudies")).toBe(3 + 2 + 2);
  });
});

/** A one-route API that answers every GET with `body`, and a client for it with a static token. */
async function clientOfServer(body: unknown) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => server.close());
  const sandbox = await useSandbox();
  return clientFor(sandbox, {
    api_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    access_token: "static-token",
    client_id: undefined,
    client_secret: undefined,
  });
}

describe("workspaces and studies", () => {
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
  it.each(["guides", "openapi"] as const)(
    "pages 620 sessions in two calls of 500, newest first, statuses read whatever their spelling (%s)",
    async (shapes) => {
      const sandbox = await useSandbox({ apiShapes: `${shapes},sessionListing=all` });
      const { client, stats } = clientFor(sandbox);
      const large = sandbox.data.tests().find((t) => sandbox.data.sessions(t.testId)?.length === 620);
      const listing = await client.openSessions(large?.testId ?? "");
      expect(listing?.totalCount).toBe(620);
      const sessions = (await collect(listing?.pages() ?? [])).flatMap((p) => p.sessions);
      expect(
        sessions.map((s) => ({
          sessionId: s.sessionId,
          testId: s.testId,
          status: s.status,
          startTime: s.startTime,
          finishTime: s.finishTime,
        })),
      ).toEqual(
        sandbox.data.sessions(large?.testId ?? "")?.map((s) => ({
          sessionId: s.sessionId,
          testId: s.testId,
          status: s.status,
          startTime: s.startTime,
          finishTime: s.finishTime,
        })),
      );
      const lifecycle = { completed: "completed", in_progress: "unfinished", abandoned: "ended" };
      expect(sessions.map((s) => s.lifecycle)).toEqual(
        sandbox.data.sessions(large?.testId ?? "")?.map((s) => lifecycle[s.status]),
      );
      expect(stats.count("sessionResults")).toBe(2);
    },
  );

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

  it.each(["guides", "openapi"] as const)(
    "reads clips, and a test or session without reels or clips as none, 404 or empty list (%s)",
    async (shapes) => {
      const sandbox = await useSandbox({ apiShapes: shapes });
      const { client } = clientFor(sandbox);
      const data = sandbox.data;
      const withClips = data.allSessions().find((s) => (data.clips(s.sessionId)?.clips.length ?? 0) > 0);
      const clips = await client.clips(withClips?.sessionId ?? "");
      expect(clips?.clips.map((c) => c.uuid)).toEqual(
        data.clips(withClips?.sessionId ?? "")?.clips.map((c) => c.uuid),
      );
      const noClips = data
        .allSessions()
        .find((s) => data.clips(s.sessionId) !== undefined && data.clips(s.sessionId)?.clips.length === 0);
      const none = await client.clips(noClips?.sessionId ?? "");
      expect(none === null || none.clips.length === 0).toBe(true);
      const survey = data.allSessions().find((s) => data.test(s.testId)?.testType === "survey");
      expect(await client.clips(survey?.sessionId ?? "")).toBeNull();
      const reelless = data
        .tests()
        .find((t) => t.api === "results_api" && data.highlightReels(t.testId)?.reels.length === 0);
      const reels = await client.highlightReels(reelless?.testId ?? "");
      expect(reels?.reels ?? []).toEqual([]);
    },
  );

  it("reads a status it does not know by the finishTime, and says so once", async () => {
    const sessions = [
      {
        sessionId: "00000000-0000-4000-8000-000000000001",
        status: "VALIDATED",
        startTime: "2026-01-01T10:00:00Z",
        finishTime: "2026-01-01T10:10:00.123Z",
      },
      {
        sessionId: "00000000-0000-4000-8000-000000000002",
        status: "VALIDATED",
        startTime: "2026-01-01T09:00:00Z",
        finishTime: "2026-01-01T09:10:00Z",
      },
      {
        sessionId: "00000000-0000-4000-8000-000000000003",
        status: "Waiting",
        startTime: "2026-01-01T08:00:00Z",
        finishTime: null,
      },
      {
        sessionId: "00000000-0000-4000-8000-000000000004",
        status: "Complete",
        startTime: "2026-01-01T07:00:00Z",
        finishTime: "2026-01-01T07:10:00Z",
      },
    ];
    const { client, logs } = await clientOfServer({
      testId: "t",
      sessions,
      meta: { pagination: { limit: 500, offset: 0, totalCount: 4 } },
    });
    const listing = await client.openSessions("00000000-0000-4000-8000-00000000000a");
    const read = listing?.firstPage.sessions.map((s) => [s.status, s.lifecycle]);
    expect(read).toEqual([
      ["VALIDATED", "completed"],
      ["VALIDATED", "completed"],
      ["Waiting", "unfinished"],
      ["completed", "completed"],
    ]);
    const warnings = logs.filter((l) => l.includes("does not know"));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('status "VALIDATED"');
    expect(warnings[1]).toContain('status "Waiting"');
  });

  it("names the endpoint and field of a response with an unexpected shape", async () => {
    const { client } = await clientOfServer({
      sessions: "not-a-list",
      meta: { pagination: { totalCount: 1 } },
    });
    const error = await client.openSessions("00000000-0000-4000-8000-000000000001").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect((error as Error).message).toBe(
      "GET /api/v2/sessionResults answered with an unexpected shape: 'sessions' should be an array but is string \"not-a-list\".",
    );
  });
});
