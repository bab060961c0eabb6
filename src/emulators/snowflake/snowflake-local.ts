import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import { type SnowflakeFault, SnowflakeFaults, type SnowflakeRoute } from "./faults.js";
import { checkLoginJwt } from "./key-pair-auth.js";
import { type Clock, type Session, SessionStore } from "./session-store.js";
import { fromDuckDbError, SnowflakeError } from "./snowflake-error.js";
import { quoteIdentifier } from "./sql-lexer.js";
import { type BindValue, SESSION_MACROS } from "./sql-translator.js";
import { StageStore } from "./stage-store.js";
import { type Outcome, STATEMENT_TYPE, StatementExecutor } from "./statement-executor.js";

/** A user the server knows. With users registered, only they can log in. */
export interface SnowflakeLocalUser {
  name: string;
  /** PEM (SPKI) public key for SNOWFLAKE_JWT key-pair logins. */
  publicKey?: string;
  /** Password for the default authenticator; without one, the user can only log in with the key. */
  password?: string;
}

export interface SnowflakeLocalOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** DuckDB database file, or ":memory:". @default ":memory:" */
  database?: string;
  /** Registered users; when empty, any user and password is accepted (and key-pair logins are refused). @default [] */
  users?: SnowflakeLocalUser[];
  /** How long a session token lives before requests get 390112 and the driver renews it. @default 3600 */
  sessionTtlSeconds?: number;
  /** How long a master token lives (renewal after that fails with 390114). @default 14400 */
  masterTtlSeconds?: number;
  clock?: Clock;
  /** Called with one line per request (route, status, Snowflake code, duration). */
  log?: (line: string) => void;
}

/** A statement the server ran (or refused), in order. */
export interface ExecutedStatement {
  sessionId: number;
  user: string;
  sqlText: string;
  /** One row of binds, or several for an array bind; empty without binds. */
  binds: Array<Array<string | null>>;
  queryId: string;
  requestId: string | null;
  /** null when it succeeded. */
  error: { code: string; sqlState: string; message: string } | null;
}

export interface LoginAttempt {
  user: string;
  authenticator: string;
  ok: boolean;
  /** Why a login was refused (the client only sees Snowflake's terse message). */
  reason: string | null;
}

export interface RecordedRequest {
  route: SnowflakeRoute | "unknown";
  status: number;
  /** The Snowflake code of a failed answer, null for success. */
  code: string | null;
  fault: SnowflakeFault["kind"] | null;
}

export interface SnowflakeLocal {
  /** Pass as the driver's `accessUrl`, e.g. http://127.0.0.1:43117. */
  readonly url: string;
  readonly statements: ExecutedStatement[];
  readonly logins: LoginAttempt[];
  readonly requests: RecordedRequest[];
  readonly faults: SnowflakeFaults;
  /** The DuckDB catalog the Snowflake databases map to ("memory" for ":memory:", else the file's base name). */
  readonly catalog: string;
  /** Sessions open now. */
  sessionCount(): number;
  close(): Promise<void>;
}

/** Session parameters every answer carries; the driver reads formats and limits from them. */
const SERVER_PARAMETERS: ReadonlyArray<{ name: string; value: unknown }> = [
  { name: "TIMEZONE", value: "UTC" },
  { name: "TIMESTAMP_OUTPUT_FORMAT", value: "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM" },
  { name: "TIMESTAMP_NTZ_OUTPUT_FORMAT", value: "YYYY-MM-DD HH24:MI:SS.FF3" },
  { name: "TIMESTAMP_LTZ_OUTPUT_FORMAT", value: "" },
  { name: "TIMESTAMP_TZ_OUTPUT_FORMAT", value: "" },
  { name: "DATE_OUTPUT_FORMAT", value: "YYYY-MM-DD" },
  { name: "TIME_OUTPUT_FORMAT", value: "HH24:MI:SS" },
  { name: "BINARY_OUTPUT_FORMAT", value: "HEX" },
  { name: "CLIENT_SESSION_KEEP_ALIVE", value: false },
  { name: "CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY", value: 3600 },
  { name: "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD", value: 65280 },
  { name: "QUERY_CONTEXT_CACHE_SIZE", value: 5 },
  { name: "CLIENT_RESULT_CHUNK_SIZE", value: 160 },
];

const ok = (data: unknown) => ({ data, code: null, message: null, success: true });
const refused = (code: string, message: string, data: unknown = null) => ({
  data,
  code,
  message,
  success: false,
  headers: null,
});

const INCORRECT_LOGIN = { code: "390100", message: "Incorrect username or password was specified." };
const JWT_INVALID = { code: "390144", message: "JWT token is invalid." };

interface Route {
  name: SnowflakeRoute;
  method: string;
  pattern: RegExp;
}

/** Every endpoint the driver calls (services/sf.js, connection/connection.js, connection/statement.js). */
const ROUTES: readonly Route[] = [
  { name: "login", method: "POST", pattern: /^\/session\/v1\/login-request$/ },
  { name: "token", method: "POST", pattern: /^\/session\/token-request$/ },
  { name: "heartbeat", method: "POST", pattern: /^\/session\/heartbeat$/ },
  { name: "session-delete", method: "POST", pattern: /^\/session$/ },
  { name: "query", method: "POST", pattern: /^\/queries\/v1\/query-request$/ },
  { name: "query-result", method: "GET", pattern: /^\/queries\/([\w-]+)\/result$/ },
  { name: "query-status", method: "GET", pattern: /^\/monitoring\/queries\/([\w-]+)$/ },
  { name: "abort", method: "POST", pattern: /^\/queries\/(?:v1|[\w-]+)\/abort-request$/ },
  { name: "telemetry", method: "POST", pattern: /^\/telemetry\/send$/ },
];

/** The driver gzips request bodies, but sets Content-Encoding only if its async gzip won a race (http/base.js): look at the bytes. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body = Buffer.concat(chunks);
  if (body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
  if (body.length === 0) return {};
  return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
}

/** `{"1": {type, value}, …}` as rows of binds; an array value is an array bind (one row per element). */
function bindRows(bindings: unknown): BindValue[][] {
  if (!bindings || typeof bindings !== "object") return [];
  const entries = Object.entries(bindings as Record<string, { type: string; value: unknown }>).sort(
    ([a], [b]) => Number(a) - Number(b),
  );
  const asText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  const arrays = entries.filter(([, b]) => Array.isArray(b.value));
  if (arrays.length === 0) return [entries.map(([, b]) => ({ type: b.type, value: asText(b.value) }))];
  const count = ((arrays[0]?.[1].value ?? []) as unknown[]).length;
  return Array.from({ length: count }, (_, row) =>
    entries.map(([, b]) => ({
      type: b.type,
      value: asText(Array.isArray(b.value) ? b.value[row] : b.value),
    })),
  );
}

/**
 * Starts a local server that speaks the Snowflake HTTP protocol as snowflake-sdk 3.x uses it,
 * with DuckDB as the engine. It is a stand-in for tests and demos, not Snowflake: see the README
 * of src/emulators/snowflake for what it implements and where it differs.
 */
export async function startSnowflakeLocal(options: SnowflakeLocalOptions = {}): Promise<SnowflakeLocal> {
  const clock = options.clock ?? { now: () => Date.now() };
  const instance = await DuckDBInstance.create(options.database ?? ":memory:");
  const setup = await instance.connect();
  const catalog = String((await setup.runAndReadAll("SELECT current_database()")).getRows()[0]?.[0]);
  await setup.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(catalog)}."PUBLIC"`);
  setup.closeSync();

  const sessions = new SessionStore(
    clock,
    options.sessionTtlSeconds ?? 3600,
    options.masterTtlSeconds ?? 14_400,
  );
  const stages = new StageStore(mkdtempSync(join(tmpdir(), "snowflake-local-stages-")));
  const executor = new StatementExecutor({ catalog, databases: new Set(), stages, fileFormats: new Map() });
  const faults = new SnowflakeFaults();
  const users = new Map((options.users ?? []).map((u) => [u.name.toUpperCase(), u]));
  const statements: ExecutedStatement[] = [];
  const logins: LoginAttempt[] = [];
  const requests: RecordedRequest[] = [];
  /** Answers by requestId, so a retried request is answered, not run again. */
  const answered = new Map<string, unknown>();
  /** Results by query id, for GET /queries/{id}/result and the monitoring endpoint. */
  const results = new Map<string, { body: unknown; ok: boolean; sessionId: number }>();
  const sessionParameters = new Map<number, Array<{ name: string; value: unknown }>>();

  const parametersOf = (session: Session) => [
    ...SERVER_PARAMETERS,
    ...(sessionParameters.get(session.id) ?? []),
  ];

  async function login(body: Record<string, unknown>, url: URL): Promise<unknown> {
    const data = (body.data ?? {}) as Record<string, unknown>;
    const user = String(data.LOGIN_NAME ?? "");
    const account = String(data.ACCOUNT_NAME ?? "");
    const authenticator = String(data.AUTHENTICATOR ?? "SNOWFLAKE").toUpperCase();
    const registered = users.get(user.toUpperCase());
    const refuse = (answer: { code: string; message: string }, reason: string) => {
      logins.push({ user, authenticator, ok: false, reason });
      return refused(answer.code, answer.message, { nextAction: "RETRY_LOGIN", authnMethod: authenticator });
    };
    if (authenticator === "SNOWFLAKE_JWT") {
      if (!registered?.publicKey) return refuse(JWT_INVALID, `no public key registered for user ${user}`);
      const check = checkLoginJwt(
        String(data.TOKEN ?? ""),
        { account, user, publicKeyPem: registered.publicKey },
        clock.now(),
      );
      if (!check.ok) return refuse(JWT_INVALID, check.reason);
    } else if (authenticator === "SNOWFLAKE") {
      if (
        users.size > 0 &&
        (!registered || registered.password === undefined || registered.password !== data.PASSWORD)
      )
        return refuse(INCORRECT_LOGIN, registered ? "wrong password" : `unknown user ${user}`);
    } else {
      return refuse(INCORRECT_LOGIN, `authenticator ${authenticator} is not implemented by the stand-in`);
    }
    const name = (param: string): string | null => {
      const raw = url.searchParams.get(param);
      if (!raw) return null;
      return raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw.toUpperCase();
    };
    const connection = await instance.connect();
    for (const macro of SESSION_MACROS) await connection.run(macro);
    const session = sessions.open({
      user: user.toUpperCase(),
      connection,
      database: name("databaseName"),
      schema: "PUBLIC",
      warehouse: name("warehouse"),
      role: name("roleName") ?? "PUBLIC",
    });
    if (session.database) executor.noteDatabaseName(session.database);
    const schema = name("schemaName") ?? "PUBLIC";
    try {
      await connection.run(`USE ${quoteIdentifier(catalog)}.${quoteIdentifier(schema)}`);
      session.schema = schema;
    } catch {
      // Snowflake logs in without a current schema when the one asked for does not exist.
      await connection.run(`USE ${quoteIdentifier(catalog)}."PUBLIC"`);
      session.schema = null;
    }
    const given = (data.SESSION_PARAMETERS ?? {}) as Record<string, unknown>;
    sessionParameters.set(
      session.id,
      Object.entries(given).map(([n, value]) => ({ name: n, value })),
    );
    logins.push({ user, authenticator, ok: true, reason: null });
    return ok({
      masterToken: session.masterToken,
      token: session.token,
      validityInSeconds: sessions.ttls.session,
      masterValidityInSeconds: sessions.ttls.master,
      displayUserName: session.user,
      serverVersion: "snowflake-local (DuckDB stand-in)",
      firstLogin: false,
      remMeToken: null,
      remMeValidityInSeconds: 0,
      healthCheckInterval: 45,
      newClientForUpgrade: null,
      sessionId: session.id,
      parameters: parametersOf(session),
      sessionInfo: {
        databaseName: session.database,
        schemaName: session.schema,
        warehouseName: session.warehouse,
        roleName: session.role,
      },
      idToken: null,
      idTokenValidityInSeconds: 0,
      responseData: null,
      mfaToken: null,
      mfaTokenValidityInSeconds: 0,
    });
  }

  function resultData(session: Session, queryId: string, outcome: Outcome) {
    const common = {
      queryId,
      parameters: parametersOf(session),
      finalDatabaseName: session.database,
      finalSchemaName: session.schema,
      finalWarehouseName: session.warehouse,
      finalRoleName: session.role,
      databaseProvider: null,
      sendResultTime: clock.now(),
      version: 1,
      queryResultFormat: "json",
    };
    if (outcome.kind === "put")
      return { ...common, ...outcome.put, rowtype: [], rowset: [], statementTypeId: STATEMENT_TYPE.put };
    const { rowtype, rowset, statementTypeId } = outcome.result;
    return {
      ...common,
      rowtype,
      rowset,
      total: rowset.length,
      returned: rowset.length,
      statementTypeId,
      numberOfBinds: 0,
      arrayBindSupported: false,
    };
  }

  async function query(
    session: Session,
    body: Record<string, unknown>,
    requestId: string | null,
  ): Promise<unknown> {
    const sqlText = String(body.sqlText ?? "");
    const rows = bindRows(body.bindings);
    const queryId = randomUUID();
    const entry: ExecutedStatement = {
      sessionId: session.id,
      user: session.user,
      sqlText,
      binds: rows.map((row) => row.map((b) => b.value)),
      queryId,
      requestId,
      error: null,
    };
    statements.push(entry);
    let answer: unknown;
    try {
      const outcome = await executor.execute(session, sqlText, rows);
      answer = ok(resultData(session, queryId, outcome));
      if (body.asyncExec === true) {
        results.set(queryId, { body: answer, ok: true, sessionId: session.id });
        // Detached: the driver fetches the result later from getResultUrl.
        answer = {
          data: { queryId, getResultUrl: `/queries/${queryId}/result` },
          code: "333334",
          message: "Asynchronous query in progress",
          success: true,
        };
      }
    } catch (error) {
      const failure = error instanceof SnowflakeError ? error : fromDuckDbError(error);
      entry.error = { code: failure.code, sqlState: failure.sqlState, message: failure.message };
      answer = refused(failure.code, failure.message, {
        queryId,
        sqlState: failure.sqlState,
        errorCode: failure.code,
        age: 0,
        internalError: false,
        line: -1,
        pos: -1,
        type: "COMPILATION",
      });
    }
    results.set(queryId, { body: answer, ok: entry.error === null, sessionId: session.id });
    return answer;
  }

  async function endSession(session: Session): Promise<void> {
    sessions.end(session);
    stages.endSession(session.id);
    sessionParameters.delete(session.id);
    // Closing the connection rolls back what the session left open and drops its temporary tables.
    session.connection.closeSync();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://snowflake-local");
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    const record = (status: number, code: string | null, fault: SnowflakeFault["kind"] | null) => {
      requests.push({ route: route?.name ?? "unknown", status, code, fault });
      options.log?.(
        `${req.method} ${url.pathname} ${status === 0 ? "dropped" : status}${code ? ` ${code}` : ""} ${(performance.now() - started).toFixed(1)}ms`,
      );
    };
    const send = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      res.writeHead(status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(json),
      });
      res.end(json);
      const code =
        (body as { success?: boolean; code?: string | null }).success === false
          ? ((body as { code: string }).code ?? null)
          : null;
      record(status, code, null);
    };
    if (!route) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({ data: null, code: "404", message: `Not found: ${url.pathname}`, success: false }),
      );
      return record(404, null, null);
    }
    const body = await readJson(req);
    const fault = faults.next(route.name);
    if (fault?.kind === "drop") {
      req.socket.destroy();
      return record(0, null, "drop");
    }
    if (fault?.kind === "status") {
      res.writeHead(fault.status, { "Content-Type": "text/plain" });
      res.end(`Service Unavailable (injected by snowflake-local)`);
      return record(fault.status, null, "status");
    }

    if (route.name === "login") return send(200, await login(body, url));
    if (route.name === "telemetry") return send(200, ok(null));
    if (route.name === "token") {
      const renewed = sessions.renew(req.headers.authorization);
      if (!renewed.ok) return send(200, refused(renewed.code, renewed.message));
      const { session } = renewed;
      return send(
        200,
        ok({
          sessionToken: session.token,
          validityInSecondsST: sessions.ttls.session,
          masterToken: session.masterToken,
          validityInSecondsMT: Math.max(0, Math.floor((session.masterExpiresAt - clock.now()) / 1000)),
          sessionId: session.id,
        }),
      );
    }
    const check = sessions.check(req.headers.authorization);
    if (!check.ok) return send(200, refused(check.code, check.message));
    const { session } = check;
    switch (route.name) {
      case "heartbeat":
        return send(200, ok({}));
      case "session-delete":
        await endSession(session);
        return send(200, ok(null));
      case "abort":
        return send(200, ok(null));
      case "query": {
        const requestId = url.searchParams.get("requestId");
        const previous = requestId ? answered.get(requestId) : undefined;
        const answer = previous ?? (await query(session, body, requestId));
        if (requestId) answered.set(requestId, answer);
        if (fault?.kind === "drop-after-execute") {
          req.socket.destroy();
          return record(0, null, "drop-after-execute");
        }
        return send(200, answer);
      }
      case "query-result": {
        const id = route.pattern.exec(url.pathname)?.[1] ?? "";
        const stored = results.get(id);
        if (!stored) return send(200, refused("000709", `Statement ${id} not found`));
        return send(200, stored.body);
      }
      case "query-status": {
        const id = route.pattern.exec(url.pathname)?.[1] ?? "";
        const stored = results.get(id);
        return send(
          200,
          ok({
            queries: stored
              ? [{ id, status: stored.ok ? "SUCCESS" : "FAILED_WITH_ERROR", sessionId: stored.sessionId }]
              : [],
          }),
        );
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(
        `snowflake-local: internal error on ${req.method} ${req.url?.split("?")[0]}: ${String(error)}\n`,
      );
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify(refused("000603", `snowflake-local internal error: ${String(error)}`)));
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    statements,
    logins,
    requests,
    faults,
    catalog,
    sessionCount: () => sessions.all().length,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const session of sessions.all()) await endSession(session);
      instance.closeSync();
      stages.close();
    },
  };
}
