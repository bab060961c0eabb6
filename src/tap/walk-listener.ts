import type { ApiSessionSummary } from "../api/types.js";
import type { ProbeFacts } from "../classify/probe-classifier.js";
import type { TestType } from "../classify/test-type.js";

/** What the walk knows of the test it is on. */
export interface WalkTest {
  testId: string;
  workspaceId: string;
  testType: TestType | null;
  classifiedBy: "product_type" | "probe" | null;
  /** What the probe fetched (a video URL among them), to reuse rather than ask again. */
  facts: ProbeFacts;
  /** Records a failure of this test's work (the run goes on; its exit code says so): `streams` lost records. */
  fail(message: string, error: unknown, streams: readonly string[]): Promise<void>;
}

/**
 * Work that rides on the engine's walk without being part of it (media downloads): it is told
 * of every listed session of every Results API test, and of each test's end, and may keep work
 * in flight across tests until `finish`. It keeps its own bookmarks, so it never moves the
 * session walk's. Failures it cannot recover from it reports per test through `fail`, never
 * by throwing (they must not stop the other tests).
 */
export interface WalkListener {
  /** Whether it has anything to do this run (its streams are selected). */
  readonly active: boolean;
  /** A Results API test's listing is about to be walked. */
  beginTest(test: WalkTest): void;
  /** One listed session, in listing order (newest first), below the session bookmark too. */
  session(test: WalkTest, session: ApiSessionSummary): Promise<void>;
  /** Whether the rest of the listing, older than `oldestStart`, holds nothing for it. */
  canStopAfter(testId: string, oldestStart: string | null | undefined): boolean;
  /** The test's listing is walked (or there was nothing to walk) and its type is as known as it gets. */
  endTest(test: WalkTest, hasCompleted: boolean): Promise<void>;
  /** The run is over: everything in flight is done, or recorded as not done, when this resolves. */
  finish(): Promise<void>;
}
