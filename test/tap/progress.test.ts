import { describe, expect, it } from "vitest";
import { RequestStats } from "../../src/http/request-stats.js";
import { ProgressReporter } from "../../src/tap/progress.js";

describe("progress on stderr", () => {
  it("shows tests, sessions, calls and an ETA paced by the rate limit, on one rewritten line", () => {
    const written: string[] = [];
    const tty = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const stats = new RequestStats();
    const progress = new ProgressReporter(stats, 10, tty);
    progress.setTests(10);
    for (let i = 0; i < 20; i++)
      stats.record({
        endpoint: "sessionDetail",
        status: 200,
        error: null,
        bytes: 1,
        durationMs: 1,
        attempt: 1,
      });
    progress.testDone();
    progress.testDone();
    // 20 calls for 2 tests: 80 more for 8 tests, at 10 a minute: 8 minutes.
    expect(progress.line()).toMatch(
      /^tests 2\/10 · sessions 0 · API calls 20 \(0 × 429\) · .*\/min · ETA 8m 00s$/,
    );
    expect(written.every((w) => w.startsWith("\r\x1b[2K"))).toBe(true);
    progress.finish();
    expect(written.at(-1)).toBe("\r\x1b[2K");
  });
});
