import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { BigQueryError, type ErrorProto, fromDuckDbError } from "./bigquery-error.js";
import { Catalog, type TableRef } from "./catalog.js";
import { BigQueryFaults, type BigQueryRoute } from "./faults.js";
import { type LoadConfiguration, LoadError, type LoadStatistics, runLoad } from "./load-job.js";
import { parseMultipart } from "./multipart.js";
import { encodeRows, type QueryResult, runQuery } from "./query-runner.js";
import type { FieldSchema } from "./sql-types.js";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface BigQueryLocalOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** DuckDB database file, or ":memory:". @default ":memory:" */
  database?: string;
  /** Times in job statistics and resources. @default Date */
  clock?: Clock;
  /** Called with one line per request (method, path, route, status). */
  log?: (line: string) => void;
}

export interface RecordedRequest {
  method: string;
  path: string;
  route: BigQueryRoute | "unknown";
  status: number;
}

type JobState = "PENDING" | "RUNNING" | "DONE";

/** A job as the server keeps it; `resource()` is what jobs.get answers. */
export interface JobRecord {
  projectId: string;
  jobId: string;
  location: string;
  configuration: Record<string, unknown>;
  status: { state: JobState; errorResult?: ErrorProto; errors?: ErrorProto[] };
  statistics: Record<string, unknown>;
}

export interface BigQueryLocal {
  /** Pass as the client's `apiEndpoint`, e.g. http://127.0.0.1:43117. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly jobs: JobRecord[];
  readonly faults: BigQueryFaults;
  close(): Promise<void>;
}

interface Job extends JobRecord {
  /** Polls left to stay RUNNING (a `slowJob` fault). */
  slowPolls: number;
  failWith?: ErrorProto;
  media?: Buffer;
  result?: QueryResult;
}

interface Route {
  name: BigQueryRoute;
  method: string;
  pattern: RegExp;
}

const P = "/bigquery/v2/projects/([^/]+)";
/** The REST methods the client calls (bigquery.js, dataset.js, table.js, job.js; upload: table.js createWriteStream_). */
const ROUTES: readonly Route[] = [
  { name: "datasets.insert", method: "POST", pattern: new RegExp(`^${P}/datasets$`) },
  { name: "datasets.get", method: "GET", pattern: new RegExp(`^${P}/datasets/([^/]+)$`) },
  { name: "datasets.delete", method: "DELETE", pattern: new RegExp(`^${P}/datasets/([^/]+)$`) },
  { name: "tables.insert", method: "POST", pattern: new RegExp(`^${P}/datasets/([^/]+)/tables$`) },
  { name: "tables.get", method: "GET", pattern: new RegExp(`^${P}/datasets/([^/]+)/tables/([^/]+)$`) },
  { name: "tables.patch", method: "PATCH", pattern: new RegExp(`^${P}/datasets/([^/]+)/tables/([^/]+)$`) },
  { name: "tables.patch", method: "PUT", pattern: new RegExp(`^${P}/datasets/([^/]+)/tables/([^/]+)$`) },
  { name: "tables.delete", method: "DELETE", pattern: new RegExp(`^${P}/datasets/([^/]+)/tables/([^/]+)$`) },
  { name: "jobs.upload", method: "POST", pattern: /^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/ },
  { name: "jobs.insert", method: "POST", pattern: new RegExp(`^${P}/jobs$`) },
  { name: "jobs.get", method: "GET", pattern: new RegExp(`^${P}/jobs/([^/]+)$`) },
  { name: "jobs.query", method: "POST", pattern: new RegExp(`^${P}/queries$`) },
  { name: "jobs.getQueryResults", method: "GET", pattern: new RegExp(`^${P}/queries/([^/]+)$`) },
];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const json = (body: Buffer): Record<string, unknown> =>
  body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};

/** Starts the stand-in on a free port (unless told one). */
export async function startBigQueryLocal(options: BigQueryLocalOptions = {}): Promise<BigQueryLocal> {
  const clock = options.clock ?? { now: () => Date.now() };
  const instance = await DuckDBInstance.create(options.database ?? ":memory:");
  const connection: DuckDBConnection = await instance.connect();
  const catalog = new Catalog(connection, () => clock.now());
  const workDir = mkdtempSync(join(tmpdir(), "bigquery-local-"));
  const faults = new BigQueryFaults();
  const requests: RecordedRequest[] = [];
  const jobs = new Map<string, Job>();
  const jobList: Job[] = [];

  // One DuckDB connection, one request at a time: a script's transaction never interleaves with another.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const newJob = (projectId: string, body: Record<string, unknown>, location: string): Job => {
    const ref = (body.jobReference ?? {}) as { jobId?: string; location?: string };
    const jobId = ref.jobId ?? `job_${randomUUID().replace(/-/g, "")}`;
    if (jobs.has(jobId))
      throw new BigQueryError("duplicate", `Already Exists: Job ${projectId}:${location}.${jobId}`);
    const fault = faults.nextJob();
    const job: Job = {
      projectId,
      jobId,
      location: ref.location ?? location,
      configuration: (body.configuration ?? {}) as Record<string, unknown>,
      status: { state: "PENDING" },
      statistics: { creationTime: String(clock.now()) },
      slowPolls: fault?.slowPolls ?? 0,
      ...(fault?.fail ? { failWith: fault.fail } : {}),
    };
    jobs.set(jobId, job);
    jobList.push(job);
    return job;
  };

  const resource = (job: Job) => ({
    kind: "bigquery#job",
    id: `${job.projectId}:${job.location}.${job.jobId}`,
    selfLink: `/bigquery/v2/projects/${job.projectId}/jobs/${job.jobId}?location=${job.location}`,
    jobReference: { projectId: job.projectId, jobId: job.jobId, location: job.location },
    configuration: { ...job.configuration, jobType: job.configuration.load ? "LOAD" : "QUERY" },
    status: job.status,
    statistics: job.statistics,
    user_email: "loader@bigquery-local.invalid",
  });

  const finish = (job: Job, error?: unknown) => {
    job.statistics.endTime = String(clock.now());
    if (error instanceof LoadError)
      // status.errors repeats the errorResult before the per-row errors, as BigQuery lists them.
      job.status = {
        state: "DONE",
        errorResult: error.errorResult,
        errors: [error.errorResult, ...error.errors],
      };
    else if (error) {
      const proto = fromDuckDbError(error, job.projectId).toProto();
      job.status = { state: "DONE", errorResult: proto, errors: [proto] };
    } else job.status = { state: "DONE" };
    job.media = undefined;
  };

  /** Runs the job's work now. */
  const execute = async (job: Job): Promise<void> => {
    job.statistics.startTime ??= String(clock.now());
    if (job.failWith) {
      const proto = job.failWith;
      job.statistics.endTime = String(clock.now());
      job.status = { state: "DONE", errorResult: proto, errors: [proto] };
      return;
    }
    try {
      if (job.configuration.load) {
        const stats: LoadStatistics = await runLoad(
          connection,
          catalog,
          job.configuration.load as LoadConfiguration,
          job.media ?? Buffer.alloc(0),
          workDir,
          job.jobId,
        );
        job.statistics.load = stats;
      } else {
        const config = job.configuration.query as { query?: string; defaultDataset?: { datasetId?: string } };
        if (!config?.query)
          throw new BigQueryError("invalid", "Job configuration must name a load or a query");
        job.result = await runQuery(
          connection,
          config.query,
          job.projectId,
          config.defaultDataset?.datasetId,
        );
        job.statistics.query = {
          statementType: job.result.statementType,
          ...(job.result.numDmlAffectedRows ? { numDmlAffectedRows: job.result.numDmlAffectedRows } : {}),
          totalBytesProcessed: "0",
          cacheHit: false,
        };
      }
      finish(job);
    } catch (error) {
      finish(job, error);
    }
  };

  /**
   * One poll moves a job one step: PENDING → RUNNING, then (after any slow polls) RUNNING → DONE,
   * when its work runs. `untilBlocked` (getQueryResults, which waits for the job) goes on as far as
   * a slow job lets it.
   */
  const advance = async (job: Job, untilBlocked: boolean): Promise<void> => {
    do {
      if (job.status.state === "DONE") return;
      if (job.status.state === "PENDING") {
        job.status = { state: "RUNNING" };
        job.statistics.startTime = String(clock.now());
        continue;
      }
      if (job.slowPolls > 0) {
        job.slowPolls--;
        return;
      }
      await execute(job);
    } while (untilBlocked);
  };

  const requireJob = (projectId: string, jobId: string): Job => {
    const job = jobs.get(jobId);
    if (!job) throw new BigQueryError("notFound", `Not found: Job ${projectId}:${jobId}`);
    return job;
  };

  const queryResponse = (job: Job, query: URLSearchParams | Record<string, unknown>, kind: string) => {
    const get = (name: string): unknown => (query instanceof URLSearchParams ? query.get(name) : query[name]);
    const jobReference = { projectId: job.projectId, jobId: job.jobId, location: job.location };
    if (job.status.state !== "DONE") return { kind, jobReference, jobComplete: false };
    if (job.status.errorResult) {
      const e = job.status.errorResult;
      throw new BigQueryError(e.reason, e.message, e.location);
    }
    const result = job.result ?? { statementType: "SCRIPT", fields: [], rows: [] };
    const formatOptions = (get("formatOptions") ?? {}) as { useInt64Timestamp?: boolean };
    const int64 =
      String(get("formatOptions.useInt64Timestamp") ?? formatOptions.useInt64Timestamp) === "true";
    const offset = Number(get("pageToken") ?? get("startIndex") ?? 0);
    const max =
      get("maxResults") === undefined || get("maxResults") === null ? Infinity : Number(get("maxResults"));
    const rows = encodeRows(result, int64, offset, max);
    const next = offset + rows.length;
    return {
      kind,
      jobReference,
      jobComplete: true,
      schema: { fields: result.fields },
      rows,
      totalRows: String(result.rows.length),
      ...(next < result.rows.length ? { pageToken: String(next) } : {}),
      ...(result.numDmlAffectedRows ? { numDmlAffectedRows: result.numDmlAffectedRows } : {}),
      totalBytesProcessed: "0",
      cacheHit: false,
    };
  };

  const handle = async (
    route: BigQueryRoute,
    params: string[],
    url: URL,
    req: IncomingMessage,
  ): Promise<[number, unknown]> => {
    const [project = "", a = "", b = ""] = params;
    const body = await readBody(req);
    switch (route) {
      case "datasets.insert": {
        const input = json(body) as { datasetReference?: { datasetId?: string }; location?: string };
        const id = input.datasetReference?.datasetId;
        if (!id)
          throw new BigQueryError("invalid", "Required parameter is missing: datasetReference.datasetId");
        return [200, await catalog.createDataset(project, id, input.location)];
      }
      case "datasets.get":
        return [200, await catalog.datasetResource(project, a)];
      case "datasets.delete":
        await catalog.deleteDataset(project, a, url.searchParams.get("deleteContents") === "true");
        return [204, undefined];
      case "tables.insert": {
        const input = json(body) as {
          tableReference?: { tableId?: string };
          schema?: { fields?: FieldSchema[] };
          expirationTime?: string;
          description?: string;
        };
        const tableId = input.tableReference?.tableId;
        if (!tableId)
          throw new BigQueryError("invalid", "Required parameter is missing: tableReference.tableId");
        const ref: TableRef = { projectId: project, datasetId: a, tableId };
        return [
          200,
          await catalog.createTable(ref, input.schema?.fields ?? [], {
            ...(input.expirationTime ? { expirationTime: String(input.expirationTime) } : {}),
            ...(input.description ? { description: input.description } : {}),
          }),
        ];
      }
      case "tables.get":
        return [200, await catalog.tableResource({ projectId: project, datasetId: a, tableId: b })];
      case "tables.patch":
        return [200, await catalog.patchTable({ projectId: project, datasetId: a, tableId: b }, json(body))];
      case "tables.delete":
        await catalog.deleteTable({ projectId: project, datasetId: a, tableId: b });
        return [204, undefined];
      case "jobs.upload": {
        const uploadType = url.searchParams.get("uploadType");
        if (uploadType !== "multipart")
          throw new BigQueryError(
            "badRequest",
            `The stand-in takes uploadType=multipart only; got ${uploadType}`,
          );
        const { metadata, data } = parseMultipart(body, String(req.headers["content-type"] ?? ""));
        const config = (metadata.configuration ?? {}) as { load?: LoadConfiguration };
        if (!config.load) throw new BigQueryError("invalid", "An upload must carry configuration.load");
        const dest = config.load.destinationTable;
        const job = newJob(project, metadata, catalog.datasetLocation(dest?.datasetId ?? ""));
        job.media = data;
        return [200, resource(job)];
      }
      case "jobs.insert": {
        const input = json(body);
        const config = (input.configuration ?? {}) as { query?: unknown; load?: unknown };
        if (config.load)
          throw new BigQueryError("invalid", "The stand-in loads uploaded media only (no sourceUris)");
        if (!config.query) throw new BigQueryError("invalid", "The stand-in runs query and load jobs only");
        const job = newJob(project, input, (input.location as string | undefined) ?? "US");
        return [200, resource(job)];
      }
      case "jobs.get": {
        const job = requireJob(project, a);
        await advance(job, false);
        return [200, resource(job)];
      }
      case "jobs.query": {
        const input = json(body) as { query?: string; location?: string; defaultDataset?: unknown };
        if (!input.query) throw new BigQueryError("invalid", "Required parameter is missing: query");
        const job = newJob(
          project,
          {
            configuration: {
              query: {
                query: input.query,
                useLegacySql: false,
                ...(input.defaultDataset ? { defaultDataset: input.defaultDataset } : {}),
              },
            },
            jobReference: { location: input.location ?? "US" },
          },
          input.location ?? "US",
        );
        await advance(job, true);
        return [200, queryResponse(job, input, "bigquery#queryResponse")];
      }
      case "jobs.getQueryResults": {
        const job = requireJob(project, a);
        await advance(job, true);
        return [200, queryResponse(job, url.searchParams, "bigquery#getQueryResultsResponse")];
      }
    }
  };

  const server = createServer((req, res) => {
    void respond(req, res);
  });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (body === undefined) res.writeHead(status).end();
    else
      res.writeHead(status, { "content-type": "application/json; charset=UTF-8" }).end(JSON.stringify(body));
  };

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://local");
    const method = req.method ?? "GET";
    let route: BigQueryRoute | "unknown" = "unknown";
    let status = 500;
    try {
      let params: string[] = [];
      for (const r of ROUTES) {
        const match = r.method === method ? r.pattern.exec(url.pathname) : null;
        if (match) {
          route = r.name;
          params = match.slice(1).map(decodeURIComponent);
          break;
        }
      }
      if (!/^Bearer \S+/.test(String(req.headers.authorization ?? ""))) {
        status = 401;
        req.resume();
        send(res, status, {
          error: {
            code: 401,
            message: "Request is missing required authentication credential. Expected OAuth 2 access token.",
            errors: [
              { reason: "required", message: "Login Required.", domain: "global", location: "Authorization" },
            ],
            status: "UNAUTHENTICATED",
          },
        });
        return;
      }
      if (route === "unknown")
        throw new BigQueryError(
          "notFound",
          `Not found: ${method} ${url.pathname} (not an endpoint of the stand-in)`,
        );
      const faulted = faults.statusFor(route);
      if (faulted !== undefined) {
        status = faulted;
        req.resume();
        const error = new BigQueryError(
          "backendError",
          "Backend error (injected by the stand-in).",
        ).toJson() as {
          error: { code: number };
        };
        error.error.code = faulted;
        send(res, status, error);
        return;
      }
      const named = route;
      const [code, body] = await serial(() => handle(named, params, url, req));
      status = code;
      send(res, status, body);
    } catch (error) {
      const e = error instanceof BigQueryError ? error : fromDuckDbError(error, "");
      status = e.httpStatus;
      send(res, status, e.toJson());
    } finally {
      requests.push({ method, path: url.pathname, route, status });
      options.log?.(`${method} ${url.pathname} ${route} ${status}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    requests,
    jobs: jobList,
    faults,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      connection.closeSync();
      instance.closeSync();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
