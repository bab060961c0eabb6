/**
 * What a session's listed `status` means, whatever its spelling. The guides' sample says
 * `completed`; the OpenAPI's example says `COMPLETE` and describes a listing of completed sessions
 * only. Spellings are compared without case or separators; an unknown one is kept as served, and
 * treated as complete when the session has a finishTime (the caller reports it once).
 */
export type SessionLifecycle = "completed" | "unfinished" | "ended";

export interface SessionStatus {
  /** The status as the tap writes it: completed / in_progress / abandoned..., or an unknown value as served. */
  status: string | null;
  lifecycle: SessionLifecycle;
  /** True when the spelling is not one the tap knows (its lifecycle came from finishTime). */
  unknown: boolean;
}

const KNOWN: Record<string, { status: string; lifecycle: SessionLifecycle }> = {};
const spellings = (status: string, lifecycle: SessionLifecycle, ...keys: string[]) => {
  for (const key of keys) KNOWN[key] = { status, lifecycle };
};
spellings("completed", "completed", "completed", "complete", "finished", "done");
spellings("in_progress", "unfinished", "inprogress", "started", "active", "ongoing", "pending", "running");
spellings("abandoned", "ended", "abandoned");
spellings("rejected", "ended", "rejected");
spellings("expired", "ended", "expired");
spellings("cancelled", "ended", "cancelled", "canceled");

const keyOf = (raw: string) => raw.toLowerCase().replace(/[^a-z]/g, "");

export function readSessionStatus(raw: unknown, finishTime: string | null): SessionStatus {
  if (typeof raw === "string" && raw.trim() !== "") {
    const known = KNOWN[keyOf(raw)];
    if (known) return { ...known, unknown: false };
    return { status: raw, lifecycle: finishTime ? "completed" : "unfinished", unknown: true };
  }
  // No status at all: a listing of completed sessions needs none; the finishTime decides.
  return { status: null, lifecycle: finishTime ? "completed" : "unfinished", unknown: raw !== undefined };
}
