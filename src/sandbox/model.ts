/**
 * Shapes the sandbox serves (wire-types.ts) and the ground truth it keeps about them.
 * API shapes use the vendor's camelCase; truth-only fields are documented where they are declared.
 */

import type { ProductType, SessionStatus } from "./wire-types.js";

export type { TestType } from "../classify/test-type.js";
export type * from "./wire-types.js";

import type { TestType } from "../classify/test-type.js";

/** A transcript cue as a spec-conformant WebVTT parser should recover it. */
export interface TranscriptCue {
  startMs: number;
  endMs: number;
  /** The `<v>` voice annotation, or null when the cue has none. */
  speaker: string | null;
  /** Cue text with tags removed and entities decoded; lines joined by "\n". */
  text: string;
}

export interface TranscriptTruth {
  /** Exactly the body the endpoint serves (may start with a BOM and use CRLF). */
  vtt: string;
  cues: TranscriptCue[];
}

/** What the sandbox knows about one test. */
export interface TestTruth {
  testId: string;
  workspaceId: string;
  title: string;
  orderedAt: string;
  orderedBy: { name: string; email: string | null };
  api: "results_api" | "classic";
  /** For classic tests, the classic product ("Web Test", "Prototype Test", ...). */
  classicKind: string | null;
  productType: ProductType | null;
  /**
   * True when the workspace listing carries `type`/`productType` for this test: classic tests
   * too (WEB, PROTOTYPE, ... with INSIGHT_CORE), except in the third workspace, whose listing
   * has none, and a few Results API tests elsewhere.
   */
  listedWithType: boolean;
  /** Exactly the `type` the listing serves (STUDYV2, WEB, ..., lower case now and then), or null when absent. */
  listingType: string | null;
  /** Exactly the `productType` the listing serves, or null when absent. */
  listingProductType: string | null;
  /** The type a user sees in the UserTesting UI (null for classic tests). */
  testType: TestType | null;
  /**
   * What probing with a completed session should conclude, by `probeDecision` (transcript, then
   * video or QX scores): null when the test has no completed session (or is classic). Live
   * conversations probe as "think-out-loud test" because they have transcripts.
   */
  probeTestType: TestType | null;
  /** Its completed sessions have video: interaction and live tests, and think-out-loud ones under `thinkOutLoudVideo`. */
  hasVideo: boolean;
  hasQxScores: boolean;
  hasTranscripts: boolean;
  hasAudience: boolean;
}

/** What the sandbox knows about one session: its listing fields (always with testId) and media. */
export interface SessionTruth {
  sessionId: string;
  testId: string;
  /** Canonical whatever the listing spells (`sessionStatus`). */
  status: SessionStatus;
  /** Exactly as served: with milliseconds under `timestampMillis`. */
  startTime: string;
  finishTime: string | null;
  audienceId?: string | null;
  /** False when this session has no recording even though its test records video. */
  hasVideo: boolean;
  hasTranscript: boolean;
}
