import { ENDPOINTS } from "../api/endpoints.js";

const RATE_LIMITED = new Set(
  Object.values(ENDPOINTS)
    .filter((e) => e.rateLimited)
    .map((e) => e.name),
);

/** One finished HTTP exchange, as the request log hook sees it. */
export interface RequestEvent {
  endpoint: string;
  /** HTTP status, or null when no response came (see `error`). */
  status: number | null;
  error: string | null;
  bytes: number;
  durationMs: number;
  attempt: number;
}

/**
 * Counts every request by endpoint and status, 429s, retries and bytes: the tap prints this
 * at the end of a run, and tests assert call counts with it.
 */
export class RequestStats {
  readonly byEndpoint = new Map<string, Map<string, number>>();
  requests = 0;
  rateLimited = 0;
  retries = 0;
  bytes = 0;
  private readonly listeners: Array<(event: RequestEvent) => void> = [];

  /** Adds a hook called after every request (progress displays use it). */
  onRequest(listener: (event: RequestEvent) => void): void {
    this.listeners.push(listener);
  }

  record(event: RequestEvent): void {
    this.requests += 1;
    this.bytes += event.bytes;
    if (event.status === 429) this.rateLimited += 1;
    const outcome = event.status === null ? (event.error ?? "error") : String(event.status);
    let statuses = this.byEndpoint.get(event.endpoint);
    if (!statuses) {
      statuses = new Map();
      this.byEndpoint.set(event.endpoint, statuses);
    }
    statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
    for (const listener of this.listeners) listener(event);
  }

  recordRetry(): void {
    this.retries += 1;
  }

  /** Requests to one endpoint (all outcomes, or one status). */
  count(endpoint: string, outcome?: string | number): number {
    const statuses = this.byEndpoint.get(endpoint);
    if (!statuses) return 0;
    if (outcome !== undefined) return statuses.get(String(outcome)) ?? 0;
    return [...statuses.values()].reduce((a, b) => a + b, 0);
  }

  toJSON(): Record<string, unknown> {
    return {
      requests: this.requests,
      rate_limited: this.rateLimited,
      retries: this.retries,
      bytes: this.bytes,
      by_endpoint: Object.fromEntries(
        [...this.byEndpoint].map(([endpoint, statuses]) => [endpoint, Object.fromEntries(statuses)]),
      ),
    };
  }

  /** Requests to endpoints that count against the Results API's rate limit (the ones that set the pace). */
  rateLimitedRequests(): number {
    let n = 0;
    for (const [endpoint, statuses] of this.byEndpoint) {
      if (RATE_LIMITED.has(endpoint)) for (const count of statuses.values()) n += count;
    }
    return n;
  }

  /** Lines for the end-of-run summary. */
  summaryLines(): string[] {
    const lines = [
      `API requests: ${this.requests} (${this.rateLimited} rate-limited, ${this.retries} retries, ${(this.bytes / 1e6).toFixed(1)} MB)`,
    ];
    for (const [endpoint, statuses] of [...this.byEndpoint].sort()) {
      const parts = [...statuses].sort().map(([status, n]) => `${status}×${n}`);
      lines.push(`  ${endpoint}: ${parts.join(", ")}`);
    }
    return lines;
  }
}
