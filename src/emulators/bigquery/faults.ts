import type { BigQueryReason } from "./bigquery-error.js";

/** Route names a fault can be aimed at (the REST methods the client calls). */
export type BigQueryRoute =
  | "datasets.insert"
  | "datasets.get"
  | "datasets.delete"
  | "tables.insert"
  | "tables.get"
  | "tables.patch"
  | "tables.delete"
  | "jobs.insert"
  | "jobs.upload"
  | "jobs.get"
  | "jobs.query"
  | "jobs.getQueryResults";

interface PlannedStatus {
  route: BigQueryRoute;
  /** 1-based count of requests to `route` since the server started. */
  nth: number;
  status: number;
}

/** What the next job(s) will do out of the ordinary. */
export interface JobFault {
  /** The job stays RUNNING for this many polls (jobs.get or getQueryResults) before it runs. */
  slowPolls?: number;
  /** The job ends DONE with this errorResult instead of running. */
  fail?: { message: string; reason: BigQueryReason };
}

/** Faults scripted by tests: each fires once. */
export class BigQueryFaults {
  private readonly statuses: PlannedStatus[] = [];
  private readonly jobs: JobFault[] = [];
  private readonly counts = new Map<BigQueryRoute, number>();

  /** Answer `status` (a 5xx, shaped as BigQuery's backendError) to the n-th request of `route`. */
  onRequest(route: BigQueryRoute, nth: number, status = 503): void {
    this.statuses.push({ route, nth, status });
  }

  /** The next job created stays RUNNING for `polls` polls. */
  slowJob(polls: number): void {
    this.jobs.push({ slowPolls: polls });
  }

  /**
   * The next job created ends with errorResult {reason, message}: backendError (transient, the
   * default) or a reason that is not worth retrying, such as accessDenied or invalid.
   */
  failJob(message = "Backend error. Job aborted.", reason: BigQueryReason = "backendError"): void {
    this.jobs.push({ fail: { message, reason } });
  }

  get pending(): number {
    return this.statuses.length + this.jobs.length;
  }

  /** Counts this request and returns the status to answer instead, if one is planned. */
  statusFor(route: BigQueryRoute): number | undefined {
    const n = (this.counts.get(route) ?? 0) + 1;
    this.counts.set(route, n);
    const index = this.statuses.findIndex((p) => p.route === route && p.nth === n);
    if (index < 0) return undefined;
    return this.statuses.splice(index, 1)[0]?.status;
  }

  /** The fault for a job being created now, if any. */
  nextJob(): JobFault | undefined {
    return this.jobs.shift();
  }
}
