import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";

/**
 * The last STATE that release 0.1.0 (commit e518b93) wrote after a full sync of the default
 * sandbox data (seed 42, epoch 0, guides reading): made by running that release's tap against
 * this sandbox, so the ids are the ones the sandbox serves now.
 */
const previousRelease = JSON.parse(
  readFileSync(new URL("../fixtures/state/release-0.1.0-guides.json", import.meta.url), "utf8"),
) as { bookmarks: { tests: Record<string, unknown> } };

describe("a state file from the previous release", () => {
  it("resumes: nothing already synced is fetched again, then only what is new", async () => {
    const sandbox = await useSandbox();
    const known = new Set(sandbox.data.tests().map((t) => t.testId));
    expect(Object.keys(previousRelease.bookmarks.tests).every((id) => known.has(id))).toBe(true);

    const resumed = await runTapOn(sandbox, { state: previousRelease });
    expect(resumed.error).toBeUndefined();
    expect(resumed.result?.exitCode).toBe(0);
    expect(resumed.calls("sessionDetail")).toBe(0);
    expect(resumed.calls("transcript")).toBe(0);
    expect(resumed.calls("videoDownloadUrl")).toBe(0);
    expect(resumed.sink.records("sessions").every((r) => r.status !== "completed")).toBe(true);

    const before = new Map(sandbox.data.allSessions().map((s) => [s.sessionId, s.status]));
    sandbox.data.advanceEpoch();
    const newlyCompleted = sandbox.data
      .allSessions()
      .filter((s) => s.status === "completed" && before.get(s.sessionId) !== "completed");
    const next = await runTapOn(sandbox, { state: resumed.sink.lastState() });
    expect(next.error).toBeUndefined();
    expect(next.calls("sessionDetail")).toBe(newlyCompleted.length);
    expect(new Set(next.sink.records("demographics").map((r) => r.session_id))).toEqual(
      new Set(
        newlyCompleted
          .filter((s) => sandbox.data.sessionDetail(s.sessionId)?.sessionParticipant?.demographicsInfo.length)
          .map((s) => s.sessionId),
      ),
    );
  });
});
