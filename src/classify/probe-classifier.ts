import type { ResultsApiClient } from "../api/results-api-client.js";
import type { TestType } from "./test-type.js";

/** Responses the sync has already fetched (or will fetch anyway), so the probe need not ask again. */
export interface ProbeFacts {
  /** The QX scores body, null for a 404; undefined when not fetched. */
  qxScores?: Record<string, unknown> | null;
  /** The probe session's transcript, null for a 404; undefined when not fetched. */
  transcript?: string | null;
}

export interface ProbeResult {
  testType: TestType;
  /** Everything fetched on the way, for the sync to reuse instead of fetching again. */
  facts: ProbeFacts;
  /** Calls the probe itself made. */
  calls: number;
}

/**
 * Classifies a Results API test the way classify-tests-by-type.txt does (video or QX scores →
 * interaction test; else transcript → think-out-loud test; else survey), with two changes:
 * it probes with a *completed* session (the vendor's script probes the newest one whatever its
 * status, and an unfinished session has no media, so it calls such tests surveys), and it asks
 * first what the sync needs anyway, short-circuiting as soon as the answer is known.
 */
export class ProbeClassifier {
  constructor(private readonly client: ResultsApiClient) {}

  /**
   * @param wantQx the sync will fetch QX scores for a non-survey anyway, so asking for them first
   *   costs nothing extra when the test has them.
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
      calls += 1;
      return (await this.client.videoDownloadUrl(completedSessionId)) !== null;
    };
    const transcript = async () => {
      if (facts.transcript === undefined) {
        facts.transcript = await this.client.transcript(completedSessionId);
        calls += 1;
      }
      return facts.transcript !== null;
    };
    const qxFirst = wantQx || facts.qxScores !== undefined;
    const interaction = qxFirst ? (await qx()) || (await video()) : (await video()) || (await qx());
    if (interaction) return { testType: "interaction test", facts, calls };
    if (await transcript()) return { testType: "think-out-loud test", facts, calls };
    return { testType: "survey", facts, calls };
  }
}
