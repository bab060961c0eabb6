import type {
  ApiClipList,
  ApiHighlightReelList,
  ApiSessionDetail,
  ApiSessionSummary,
  ApiStudy,
  ApiWorkspace,
} from "../api/types.js";
import type { TestType } from "../classify/test-type.js";
import type { TranscriptChunking } from "../config/config.js";
import type { StoredObject } from "../media/media-storage.js";
import type { ReelBookmark } from "../state/tap-state.js";

/** A record as emitted: column name → value. */
export type Row = Record<string, unknown>;

/** What each API resource hands the streams it feeds. */
export interface SourceInputs {
  workspace: { workspace: ApiWorkspace };
  test: {
    study: ApiStudy;
    workspace: ApiWorkspace;
    api: "results_api" | "classic";
    testType: TestType | null;
    classifiedBy: "product_type" | "probe" | null;
    sessionCount: number | null;
  };
  /** A listed session, with its v3 details when it is completed (null before). */
  session: {
    testId: string;
    summary: ApiSessionSummary;
    detail: ApiSessionDetail | null;
    extractedAt: string;
  };
  /** `finishTime`: the session's, which child rows carry as their replication key. */
  transcript: {
    sessionId: string;
    finishTime: string | null;
    vtt: string;
    /** How transcript_chunks cuts it (transcript_chunk_chars, transcript_chunk_overlap_chars). */
    chunking: TranscriptChunking;
  };
  qxScores: { testId: string; body: Record<string, unknown>; extractedAt: string };
  /** The clips of one completed session's video. */
  clips: {
    testId: string;
    sessionId: string;
    finishTime: string | null;
    list: ApiClipList;
    extractedAt: string;
  };
  /** A test's reels, with what became of each (by reel id) this run or an earlier one. */
  highlightReels: {
    testId: string;
    list: ApiHighlightReelList;
    extractedAt: string;
    outcomes: ReadonlyMap<string, ReelBookmark>;
  };
  /** A completed session's video, stored. */
  sessionVideo: {
    testId: string;
    sessionId: string;
    finishTime: string | null;
    stored: StoredObject;
    contentType: string | null;
    downloadedAt: string;
  };
}

export type SourceName = keyof SourceInputs;

/**
 * A stream is mostly data: its table name, schema file, keys, replication, and the API
 * resource that feeds it. `toRows` is the only code: how one resource becomes rows.
 */
export interface StreamDefinition<S extends SourceName = SourceName> {
  name: string;
  source: S;
  keyProperties: string[];
  replication: { method: "FULL_TABLE" } | { method: "INCREMENTAL"; key: string };
  /** False for streams that cost many calls and are synced only when a catalog selects them. @default true */
  selectedByDefault?: boolean;
  /**
   * A stream derived from another's records (transcript_chunks from transcripts): a bookmark that
   * covers that one covers this one, so selecting it later starts with the sessions synced
   * from then on instead of walking every test's history again (a full refresh backfills it).
   */
  coveredBy?: string;
  toRows(input: SourceInputs[S]): Row[];
}

export const defineStream = <S extends SourceName>(definition: StreamDefinition<S>): StreamDefinition<S> =>
  definition;
