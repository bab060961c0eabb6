/**
 * BigQuery's error shape (docs: "Troubleshoot errors", https://cloud.google.com/bigquery/docs/error-messages):
 * an HTTP status, and a body `{error: {code, message, errors: [{reason, message, domain, location?}], status}}`.
 * The same `{reason, message, location}` is a job's `status.errorResult`.
 */
export type BigQueryReason =
  | "notFound"
  | "duplicate"
  | "invalid"
  | "invalidQuery"
  | "backendError"
  | "badRequest"
  | "accessDenied"
  | "internalError";

const HTTP_OF: Record<BigQueryReason, { code: number; status: string }> = {
  notFound: { code: 404, status: "NOT_FOUND" },
  duplicate: { code: 409, status: "ALREADY_EXISTS" },
  invalid: { code: 400, status: "INVALID_ARGUMENT" },
  invalidQuery: { code: 400, status: "INVALID_ARGUMENT" },
  badRequest: { code: 400, status: "INVALID_ARGUMENT" },
  accessDenied: { code: 403, status: "PERMISSION_DENIED" },
  backendError: { code: 503, status: "UNAVAILABLE" },
  internalError: { code: 500, status: "INTERNAL" },
};

export interface ErrorProto {
  reason: BigQueryReason;
  message: string;
  location?: string;
}

export class BigQueryError extends Error {
  constructor(
    readonly reason: BigQueryReason,
    message: string,
    readonly location?: string,
  ) {
    super(message);
    this.name = "BigQueryError";
  }

  get httpStatus(): number {
    return HTTP_OF[this.reason].code;
  }

  /** What a job's `status.errorResult` and `status.errors[]` hold. */
  toProto(): ErrorProto {
    return {
      reason: this.reason,
      message: this.message,
      ...(this.location ? { location: this.location } : {}),
    };
  }

  toJson(): unknown {
    const { code, status } = HTTP_OF[this.reason];
    return {
      error: {
        code,
        message: this.message,
        errors: [{ ...this.toProto(), domain: "global" }],
        status,
      },
    };
  }
}

/** DuckDB's messages → BigQuery's, for the cases a loader meets; anything else is invalidQuery with DuckDB's text. */
export function fromDuckDbError(error: unknown, project: string): BigQueryError {
  if (error instanceof BigQueryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const column = /Referenced column "([^"]+)" not found/.exec(message);
  if (column) return new BigQueryError("invalidQuery", `Unrecognized name: ${column[1]}`, "query");
  const insertColumn = /Table "([^"]+)" does not have a column with name "([^"]+)"/.exec(message);
  if (insertColumn)
    return new BigQueryError(
      "invalidQuery",
      `Column ${insertColumn[2]} is not present in table ${insertColumn[1]}`,
      "query",
    );
  const table = /Table with name (\S+) does not exist/.exec(message);
  if (table)
    return new BigQueryError("notFound", `Not found: Table ${project}:${table[1]} was not found`, "query");
  const schema = /Schema with name "?([^"\s]+)"? does not exist/.exec(message);
  if (schema)
    return new BigQueryError("notFound", `Not found: Dataset ${project}:${schema[1]} was not found`, "query");
  if (/already exists/i.test(message))
    return new BigQueryError("duplicate", `Already Exists: ${firstLine(message)}`);
  return new BigQueryError("invalidQuery", firstLine(message), "query");
}

const firstLine = (message: string): string => message.split("\n")[0] ?? message;
