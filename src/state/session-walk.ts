import type { ApiSessionSummary } from "../api/types.js";
import type { SessionPartition } from "./tap-state.js";

/**
 * How far below the bookmark a newest-first walk goes before it may stop early: a session that
 * started before the bookmark was already listed by the run that set it, so only sessions still
 * pending can change below it. A margin covers clocks and listing order that disagree slightly.
 */
export const LISTING_LOOKBACK_MS = 48 * 3_600_000;

const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : Number.NaN);
const maxIso = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  return ms(b) > ms(a) ? b : a;
};

export type SessionDecision = "new-completed" | "unfinished" | "skip";

/**
 * One walk of a test's session listing against its bookmark. The listing comes newest first,
 * so the bookmark moves only when the walk is complete; until then progress markers record
 * what was emitted, so an interrupted run resumes without fetching those details again and
 * without skipping older sessions.
 */
export class SessionWalk {
  private readonly floor: number;
  private readonly pending: Set<string>;
  private readonly seenPending = new Set<string>();
  private readonly unfinished = new Set<string>();
  private readonly emitted: Set<string>;
  private maxFinish: string | null;

  /**
   * @param coveredBy streams derived from another's records (StreamDefinition.coveredBy): the
   *   bookmark covers them wherever it covers that other stream.
   */
  constructor(
    private readonly partition: SessionPartition,
    startDate: string | null,
    selectedStreams: readonly string[],
    coveredBy: ReadonlyMap<string, string> = new Map(),
  ) {
    // A stream not covered by the bookmark (selected since) needs the sessions below it too.
    const has = (s: string) => partition.streams.includes(s);
    const covered = selectedStreams.every((s) => has(s) || has(coveredBy.get(s) ?? s));
    const bookmark = covered ? partition.replication_key_value : null;
    this.floor = Math.max(
      ms(bookmark) || Number.NEGATIVE_INFINITY,
      ms(startDate) || Number.NEGATIVE_INFINITY,
    );
    this.pending = new Set(covered ? partition.pending : []);
    const markers = partition.progress_markers;
    this.emitted = new Set(covered && markers ? markers.emitted : []);
    this.maxFinish = covered && markers ? markers.replication_key_value : bookmark;
    partition.streams = [...new Set([...(covered ? partition.streams : []), ...selectedStreams])];
    partition.progress_markers = { replication_key_value: this.maxFinish, emitted: [...this.emitted] };
  }

  /** What to do with one listed session. */
  decide(session: ApiSessionSummary): SessionDecision {
    if (this.pending.has(session.sessionId)) this.seenPending.add(session.sessionId);
    if (session.lifecycle !== "completed") {
      // An ended session (abandoned, expired...) never changes: it is not kept pending.
      if (session.lifecycle === "unfinished") this.unfinished.add(session.sessionId);
      return this.emitted.has(session.sessionId) ? "skip" : "unfinished";
    }
    if (this.emitted.has(session.sessionId)) return "skip";
    const finished = ms(session.finishTime);
    if (this.pending.has(session.sessionId) || !(finished <= this.floor)) return "new-completed";
    return "skip";
  }

  /** Records that a session's records are out (call after emitting them). */
  markEmitted(session: ApiSessionSummary): void {
    if (session.lifecycle !== "completed") return;
    this.emitted.add(session.sessionId);
    this.maxFinish = maxIso(this.maxFinish, session.finishTime);
    const markers = this.partition.progress_markers;
    if (markers) {
      markers.emitted.push(session.sessionId);
      markers.replication_key_value = this.maxFinish;
    }
  }

  /** True when the rest of the listing (older than `oldestStart`) cannot hold anything new. */
  canStopAfter(oldestStart: string | null | undefined): boolean {
    if (!Number.isFinite(this.floor) || !oldestStart) return false;
    if ([...this.pending].some((id) => !this.seenPending.has(id))) return false;
    return ms(oldestStart) < this.floor - LISTING_LOOKBACK_MS;
  }

  /** The whole listing (or all that can matter) was walked: move the bookmark. */
  complete(): void {
    this.partition.replication_key_value = maxIso(this.partition.replication_key_value, this.maxFinish);
    this.partition.pending = [...this.unfinished];
    delete this.partition.progress_markers;
  }
}
