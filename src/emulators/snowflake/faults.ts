/** What can go wrong with one request to the stand-in. */
export type SnowflakeFault =
  /** An HTTP error status instead of an answer (the driver retries 5xx, 408 and 429). */
  | { kind: "status"; status: number }
  /** The connection closes before any byte of the answer, and the statement does not run. */
  | { kind: "drop" }
  /**
   * The statement runs, then the connection closes before the answer: the driver retries with
   * the same requestId, and the server answers the retry from what it already did (as Snowflake
   * does), so the statement is not run twice.
   */
  | { kind: "drop-after-execute" };

/** Route names a fault can be aimed at. */
export type SnowflakeRoute =
  | "login"
  | "token"
  | "heartbeat"
  | "session-delete"
  | "query"
  | "query-result"
  | "query-status"
  | "abort"
  | "telemetry";

interface Planned {
  fault: SnowflakeFault;
  route: SnowflakeRoute | undefined;
  /** For `onQuery`: the query-request attempt (1-based, counted since the server started) it hits. */
  nth: number | undefined;
}

/** Faults to inject, scripted by tests: each fires once. */
export class SnowflakeFaults {
  private readonly planned: Planned[] = [];
  private queries = 0;

  /** A fault for the next request to `route` (any route when omitted). */
  enqueue(fault: SnowflakeFault, route?: SnowflakeRoute): void {
    this.planned.push({ fault, route, nth: undefined });
  }

  /** A fault for the n-th query-request the server receives (retries count as requests). */
  onQuery(nth: number, fault: SnowflakeFault): void {
    this.planned.push({ fault, route: "query", nth });
  }

  get pending(): number {
    return this.planned.length;
  }

  /** The fault for this request, if one is planned for it. */
  next(route: SnowflakeRoute): SnowflakeFault | undefined {
    if (route === "query") this.queries++;
    const index = this.planned.findIndex(
      (p) => (p.route === undefined || p.route === route) && (p.nth === undefined || p.nth === this.queries),
    );
    if (index < 0) return undefined;
    return this.planned.splice(index, 1)[0]?.fault;
  }
}
