import type { ResultsApiClient } from "../api/results-api-client.js";
import type { ApiVideoDownload } from "../api/types.js";
import type { TestType } from "./test-type.js";

/** Responses the sync has already fetched (or will fetch anyway), so the probe need not ask again. */
export interface ProbeFacts {
  /** The QX scores body, null for a 404; undefined when not fetched. */
  qxScores?: Record<string, unknown> | null;
  /** The probe session's transcript, null for a 404; undefined when not fetched. */
  transcript?: string | null;
  /** The probe session's video download URL (null: 404), kept so a download need not ask again. */
  video?: { sessionId: string; download: ApiVideoDownload | null };
}

export interface ProbeResult {
  testType: TestType;
  /** Everything fetched on the way, for the sync to reuse instead of fetching again. */
  facts: ProbeFacts;
  /** Calls the probe itself made. */
  calls: number;
}

/**
 * Classifies a Results API test by which endpoints answer for its newest *completed* session
 * (the vendor's script probes the newest one whatever its status, and an unfinished session has
 * no media, so it calls such tests surveys). classify-tests-by-type.txt asks video or QX scores
 * first; but the vendor's OpenAPI serves video for think-out-loud tests too, so video alone
 * cannot tell them from interaction tests. The transcript decides first (only think-out-loud
 * tests and live conversations have one, in both sources; the sync fetches it anyway, so it is
 * mostly free), then QX scores or video mean an interaction test, else a survey. Whatever the
 * sync needs anyway is asked first, and the probe stops as soon as the answer is known.
 */
export class ProbeClassifier {
  constructor(private readonly client: ResultsApiClient) {}

  /**
   * @param wantQx the sync will fetch QX scores for a non-survey anyway, so asking for them
   *   before video costs nothing extra when the test has them.
   */
  async classify(
    testId: string,
    completedSessionId: string,
    known: ProbeFacts,
    wantQx: boolean,
  ): Promise<ProbeResult> {
    const facts: ProbeFacts = { ...known };
    let calls = 0;
    const qx = async () => {
      if (facts.qxScores === undefined) {
        facts.qxScores = await this.client.qxScores(testId);
        calls += 1;
      }
      return facts.qxScores !== null;
    };
    const video = async () => {
      if (facts.video?.sessionId !== completedSessionId) {
        facts.video = {
          sessionId: completedSessionId,
          download: await this.client.videoDownloadUrl(completedSessionId),
        };
        calls += 1;
      }
      return facts.video.download !== null;
    };
    const transcript = async () => {
      if (facts.transcript === undefined) {
        facts.transcript = await this.client.transcript(completedSessionId);
        calls += 1;
      }
      return facts.transcript !== null;
    };
    if (await transcript()) return { testType: "think-out-loud test", facts, calls };
    const qxFirst = wantQx || facts.qxScores !== undefined;
    const interaction = qxFirst ? (await qx()) || (await video()) : (await video()) || (await qx());
    return { testType: interaction ? "interaction test" : "survey", facts, calls };
  }
}
