import type { DuckDBConnection } from "@duckdb/node-api";
import { fixedColumn, type Rowset, textColumn, toRowset } from "./rowset.js";
import type { Session } from "./session-store.js";
import { fromDuckDbError, SNOWFLAKE_ERRORS, SnowflakeError } from "./snowflake-error.js";
import {
  identifierName,
  keyword,
  quoteIdentifier,
  quoteString,
  significant,
  type Token,
  tokenize,
} from "./sql-lexer.js";
import { type BindValue, type TranslateContext, translateSql } from "./sql-translator.js";
import { SNOWFLAKE_DATA_TYPE_SQL, SNOWFLAKE_FULL_TYPE_SQL } from "./sql-types.js";
import type { ResolvedStage, StageStore } from "./stage-store.js";

/**
 * Statement type ids the driver reads (connection/result/statement_type.js): DML ids make it sum
 * the result's columns into getNumUpdatedRows(). SELECT 0x1000, DML 0x3000–0x3500, session
 * commands 0x4000, transactions 0x5000, DDL 0x6000 (the families of Snowflake's JDBC
 * SFStatementType).
 */
export const STATEMENT_TYPE = {
  select: 0x1000,
  dml: 0x3000,
  insert: 0x3100,
  update: 0x3200,
  delete: 0x3300,
  merge: 0x3400,
  session: 0x4000,
  transaction: 0x5000,
  ddl: 0x6000,
  put: 0x7000,
} as const;

export interface StatementResult extends Rowset {
  statementTypeId: number;
}

/** What a PUT answers instead of rows: the instructions the driver's file-transfer agent follows. */
export interface PutInstructions {
  command: "UPLOAD";
  src_locations: string[];
  autoCompress: boolean;
  sourceCompression: string;
  parallel: number;
  overwrite: boolean;
  stageInfo: {
    locationType: "LOCAL_FS";
    location: string;
    path: string;
    region: null;
    creds: Record<string, never>;
  };
  presignedUrls: string[];
}

export type Outcome = { kind: "rows"; result: StatementResult } | { kind: "put"; put: PutInstructions };

/** What the executor needs from the server: the engine's catalog, the stages, the known database names. */
export interface ExecutorEnv {
  catalog: string;
  databases: Set<string>;
  stages: StageStore;
  /** File formats by name, with their TYPE (only JSON loads). */
  fileFormats: Map<string, string>;
}

const status = (message: string, statementTypeId: number): StatementResult => ({
  rowtype: [textColumn("status")],
  rowset: [[message]],
  statementTypeId,
});

const counts = (columns: Array<[string, bigint | number]>, statementTypeId: number): StatementResult => ({
  rowtype: columns.map(([name]) => fixedColumn(name)),
  rowset: [columns.map(([, n]) => String(n))],
  statementTypeId,
});

/** Statements that commit an open transaction first (Snowflake docs: "DDL … implicitly commits"). */
const DDL = new Set(["CREATE", "ALTER", "DROP", "UNDROP", "GRANT", "REVOKE", "COMMENT"]);

const sigKeywords = (tokens: readonly Token[]): string[] =>
  tokens.map((t) => keyword(t) ?? t.text.toUpperCase());

async function runRows(connection: DuckDBConnection, sql: string): Promise<Rowset> {
  try {
    return toRowset(await connection.runAndReadAll(sql));
  } catch (error) {
    throw fromDuckDbError(error);
  }
}

async function runCount(connection: DuckDBConnection, sql: string): Promise<bigint> {
  try {
    const result = await connection.runAndReadAll(sql);
    const value = result.getRows()[0]?.[0];
    return typeof value === "bigint" ? value : BigInt(Number(value ?? 0));
  } catch (error) {
    throw fromDuckDbError(error);
  }
}

async function runStatement(connection: DuckDBConnection, sql: string): Promise<void> {
  try {
    await connection.run(sql);
  } catch (error) {
    throw fromDuckDbError(error);
  }
}

/**
 * Runs one Snowflake statement in a session. `bindRows` holds one row of binds, or several for
 * an array bind (the statement runs once per row, as Snowflake inserts each row).
 */
export class StatementExecutor {
  constructor(private readonly env: ExecutorEnv) {}

  private context(session: Session, binds: readonly BindValue[]): TranslateContext {
    return {
      binds,
      databases: this.env.databases,
      catalog: this.env.catalog,
      currentDatabase: session.database,
      currentSchema: session.schema,
      stageSource: (stage, pattern) =>
        this.stageSource(this.env.stages.resolve(stage, session.user), pattern),
    };
  }

  /** A staged set of JSON files as a subquery whose one column is "$1" (Snowflake's first column of a staged file). */
  private stageSource(stage: ResolvedStage, pattern: string | undefined, only?: string[]): string {
    const files = (only ?? this.env.stages.files(stage, pattern)).map((f) =>
      quoteString(`${stage.dir}/${f}`),
    );
    if (files.length === 0) return `(SELECT CAST(NULL AS JSON) AS "$1" WHERE false)`;
    return `(SELECT json AS "$1" FROM read_json_objects([${files.join(", ")}], format = 'auto'))`;
  }

  private translate(session: Session, sql: string, binds: readonly BindValue[]): string[] {
    try {
      return translateSql(sql, this.context(session, binds));
    } catch (error) {
      if (error instanceof SnowflakeError) throw error;
      throw SNOWFLAKE_ERRORS.syntax(`(${(error as Error).message})`);
    }
  }

  async execute(
    session: Session,
    sql: string,
    bindRows: readonly (readonly BindValue[])[],
  ): Promise<Outcome> {
    const tokens = significant(tokenize(sql));
    const words = sigKeywords(tokens);
    const [first = "", second = "", third = ""] = words;
    const con = session.connection;

    switch (first) {
      case "BEGIN":
      case "START":
        // Snowflake ignores BEGIN inside an open transaction; DuckDB would refuse it.
        if (!session.inTransaction) {
          await runStatement(con, "BEGIN TRANSACTION");
          session.inTransaction = true;
        }
        return rows(status("Statement executed successfully.", STATEMENT_TYPE.transaction));
      case "COMMIT":
      case "ROLLBACK":
        if (session.inTransaction) {
          session.inTransaction = false;
          await runStatement(con, first);
        }
        return rows(status("Statement executed successfully.", STATEMENT_TYPE.transaction));
      case "USE":
        return rows(await this.use(session, tokens.slice(1)));
      case "SHOW":
        return rows(await this.show(session, tokens.slice(1)));
      case "DESCRIBE":
      case "DESC":
        return rows(await this.describe(session, tokens));
      case "PUT":
        return { kind: "put", put: this.put(session, sql) };
      case "GET":
        throw SNOWFLAKE_ERRORS.unsupported("GET");
      case "COPY":
        return rows(await this.copy(session, tokens, bindRows[0] ?? []));
      case "REMOVE":
      case "RM":
        return rows(this.remove(session, tokens));
      case "LIST":
      case "LS":
        return rows(this.list(session, tokens));
      case "ALTER":
        if (["SESSION", "WAREHOUSE", "USER", "ACCOUNT"].includes(second))
          return rows(status("Statement executed successfully.", STATEMENT_TYPE.session));
        break;
    }

    if (DDL.has(first) && session.inTransaction) {
      session.inTransaction = false;
      await runStatement(con, "COMMIT");
    }
    const objectKind =
      second === "OR"
        ? words[3] === "TEMPORARY" || words[3] === "TEMP"
          ? words[4]
          : words[3]
        : ["TEMPORARY", "TEMP"].includes(second)
          ? third
          : second;
    if (first === "CREATE" || first === "DROP") {
      if (objectKind === "DATABASE") return rows(this.database(first, tokens));
      if (objectKind === "SCHEMA") return rows(await this.schema(session, first, tokens));
      if (objectKind === "STAGE") return rows(this.stage(session, first, tokens, words));
      if (objectKind === "FILE") return rows(this.fileFormat(first, tokens, words));
      if (objectKind === "WAREHOUSE" || objectKind === "ROLE")
        return rows(status("Statement executed successfully.", STATEMENT_TYPE.ddl));
    }

    if (first === "MERGE")
      return rows(await this.inTransaction(session, () => this.merge(session, sql, bindRows)));
    if (first === "INSERT" || first === "UPDATE" || first === "DELETE") {
      return rows(await this.inTransaction(session, () => this.dml(session, first, sql, bindRows)));
    }

    const statements = this.translate(session, sql, bindRows[0] ?? []);
    if (DDL.has(first) || first === "TRUNCATE") {
      for (const statement of statements) await runStatement(con, statement);
      return rows(status(ddlMessage(words, tokens), STATEMENT_TYPE.ddl));
    }
    const result = await runRows(con, statements[0] ?? "");
    return rows({ ...result, statementTypeId: STATEMENT_TYPE.select });
  }

  /** Runs `work` in the session's transaction, or in one of its own that commits only if all of it succeeds. */
  private async inTransaction<T>(session: Session, work: () => Promise<T>): Promise<T> {
    if (session.inTransaction) return work();
    await runStatement(session.connection, "BEGIN TRANSACTION");
    try {
      const result = await work();
      await runStatement(session.connection, "COMMIT");
      return result;
    } catch (error) {
      await session.connection.run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  private async dml(
    session: Session,
    verb: string,
    sql: string,
    bindRows: readonly (readonly BindValue[])[],
  ): Promise<StatementResult> {
    let total = 0n;
    for (const binds of bindRows.length > 0 ? bindRows : [[]]) {
      for (const statement of this.translate(session, sql, binds))
        total += await runCount(session.connection, statement);
    }
    if (verb === "INSERT") return counts([["number of rows inserted", total]], STATEMENT_TYPE.insert);
    if (verb === "UPDATE")
      return counts(
        [
          ["number of rows updated", total],
          ["number of multi-joined rows updated", 0],
        ],
        STATEMENT_TYPE.update,
      );
    return counts([["number of rows deleted", total]], STATEMENT_TYPE.delete);
  }

  /**
   * MERGE, with Snowflake's check that no target row is matched by more than one source row
   * when a WHEN MATCHED clause would change it (ERROR_ON_NONDETERMINISTIC_MERGE, on by default):
   * DuckDB would update such a row twice without a word. The counts come from the table's size
   * before and after: inserted = growth, updated = the rest of what DuckDB reports changed.
   */
  private async merge(
    session: Session,
    sql: string,
    bindRows: readonly (readonly BindValue[])[],
  ): Promise<StatementResult> {
    const con = session.connection;
    let inserted = 0n;
    let updated = 0n;
    let deleted = 0n;
    let hasDelete = false;
    for (const binds of bindRows.length > 0 ? bindRows : [[]]) {
      const [translated = ""] = this.translate(session, sql, binds);
      const parts = mergeParts(translated);
      hasDelete ||= parts.hasDelete;
      if (parts.hasMatched) {
        const duplicate = await runRows(
          con,
          `SELECT ${parts.targetRef}.rowid FROM ${parts.target} JOIN ${parts.source} ON ${parts.condition} GROUP BY 1 HAVING count(*) > 1 LIMIT 1`,
        );
        const rowid = duplicate.rowset[0]?.[0];
        if (rowid !== undefined) {
          const values = await runRows(con, `SELECT * FROM ${parts.table} WHERE rowid = ${rowid}`);
          throw SNOWFLAKE_ERRORS.duplicateMergeRow(
            (values.rowset[0] ?? []).map((v) => (v === null ? "NULL" : JSON.stringify(v))).join(", "),
          );
        }
      }
      const before = await runCount(con, `SELECT count(*) FROM ${parts.table}`);
      const changed = await runCount(con, parts.sql);
      const after = await runCount(con, `SELECT count(*) FROM ${parts.table}`);
      const growth = after - before;
      if (growth >= 0n) {
        inserted += growth;
        updated += changed - growth;
      } else {
        deleted += -growth;
        updated += changed + growth;
      }
    }
    const columns: Array<[string, bigint]> = [
      ["number of rows inserted", inserted],
      ["number of rows updated", updated],
    ];
    if (hasDelete) columns.push(["number of rows deleted", deleted]);
    return counts(columns, STATEMENT_TYPE.merge);
  }

  private async use(session: Session, rest: Token[]): Promise<StatementResult> {
    const kind = keyword(rest[0]);
    const names = rest.filter((t) => t.kind === "word" || t.kind === "quoted");
    const target = ["DATABASE", "SCHEMA", "WAREHOUSE", "ROLE", "SECONDARY"].includes(kind ?? "")
      ? names.slice(1)
      : names;
    const parts = target.map((t) => identifierName(t) as string);
    if (kind === "WAREHOUSE") session.warehouse = parts[0] ?? null;
    else if (kind === "ROLE") session.role = parts[0] ?? null;
    else if (kind === "SCHEMA" || (kind !== "DATABASE" && parts.length === 2)) {
      const schema = parts[parts.length - 1] as string;
      if (parts.length === 2) this.noteDatabase(session, parts[0] as string);
      await runStatement(
        session.connection,
        `USE ${quoteIdentifier(this.env.catalog)}.${quoteIdentifier(schema)}`,
      ).catch(() => {
        throw SNOWFLAKE_ERRORS.schemaMissing(schema);
      });
      session.schema = schema;
    } else if (parts[0]) {
      this.noteDatabase(session, parts[0]);
      // USE DATABASE resets the schema to PUBLIC, as Snowflake does.
      await session.connection
        .run(`USE ${quoteIdentifier(this.env.catalog)}."PUBLIC"`)
        .catch(() => undefined);
      session.schema = "PUBLIC";
    }
    return status("Statement executed successfully.", STATEMENT_TYPE.session);
  }

  /** A Snowflake database name that stands for the DuckDB catalog (three-part names starting with it resolve). */
  noteDatabaseName(name: string): void {
    this.env.databases.add(name);
  }

  private noteDatabase(session: Session, name: string): void {
    this.env.databases.add(name);
    session.database = name;
  }

  private database(verb: string, tokens: Token[]): StatementResult {
    const name = identifierName(tokens.filter((t) => t.kind === "word" || t.kind === "quoted").pop()) ?? "";
    if (verb === "CREATE") this.env.databases.add(name);
    return status(
      `Database ${name} successfully ${verb === "CREATE" ? "created" : "dropped"}.`,
      STATEMENT_TYPE.ddl,
    );
  }

  /** CREATE/DROP SCHEMA [IF [NOT] EXISTS] [db.]name: schemas live in the one DuckDB catalog. */
  private async schema(session: Session, verb: string, tokens: Token[]): Promise<StatementResult> {
    const words = sigKeywords(tokens);
    const at = words.indexOf("SCHEMA");
    const ifClause = words[at + 1] === "IF" ? (verb === "CREATE" ? "IF NOT EXISTS " : "IF EXISTS ") : "";
    const nameTokens = tokens
      .slice(at + 1 + (ifClause ? (verb === "CREATE" ? 3 : 2) : 0))
      .filter((t) => t.kind === "word" || t.kind === "quoted");
    const name = identifierName(nameTokens.length > 1 ? nameTokens[1] : nameTokens[0]) ?? "";
    if (nameTokens.length > 1) this.env.databases.add(identifierName(nameTokens[0]) ?? "");
    const orReplace = words.includes("REPLACE");
    const qualified = `${quoteIdentifier(this.env.catalog)}.${quoteIdentifier(name)}`;
    if (verb === "CREATE") {
      if (orReplace) await runStatement(session.connection, `DROP SCHEMA IF EXISTS ${qualified} CASCADE`);
      await runStatement(session.connection, `CREATE SCHEMA ${ifClause}${qualified}`);
      return status(`Schema ${name} successfully created.`, STATEMENT_TYPE.ddl);
    }
    await runStatement(
      session.connection,
      `DROP SCHEMA ${ifClause}${qualified}${words.includes("RESTRICT") ? "" : " CASCADE"}`,
    );
    return status(`${name} successfully dropped.`, STATEMENT_TYPE.ddl);
  }

  private stage(session: Session, verb: string, tokens: Token[], words: string[]): StatementResult {
    const at = words.indexOf("STAGE");
    const skip = words[at + 1] === "IF" ? (verb === "CREATE" ? 3 : 2) : 0;
    const nameTokens: string[] = [];
    for (let j = at + 1 + skip; j < tokens.length; j++) {
      const t = tokens[j] as Token;
      if (t.kind === "word" || t.kind === "quoted") nameTokens.push(t.text);
      else if (t.text !== ".") break;
      if (tokens[j + 1]?.text !== ".") break;
    }
    const name = nameTokens.join(".");
    if (verb === "DROP") {
      const key = this.env.stages.drop(name, skip > 0);
      return status(`${key} successfully dropped.`, STATEMENT_TYPE.ddl);
    }
    const temporary = words.slice(0, at).some((w) => w === "TEMPORARY" || w === "TEMP");
    const key = this.env.stages.create(
      name,
      temporary ? session.id : null,
      words.includes("REPLACE"),
      skip > 0,
    );
    return status(`Stage area ${key} successfully created.`, STATEMENT_TYPE.ddl);
  }

  /** CREATE FILE FORMAT name TYPE = JSON …: kept so COPY's FORMAT_NAME can name it. */
  private fileFormat(verb: string, tokens: Token[], words: string[]): StatementResult {
    const at = words.indexOf("FORMAT");
    const skip = words[at + 1] === "IF" ? (verb === "CREATE" ? 3 : 2) : 0;
    const name = identifierName(tokens[at + 1 + skip]) ?? "";
    if (verb === "DROP") {
      this.env.fileFormats.delete(name);
      return status(`${name} successfully dropped.`, STATEMENT_TYPE.ddl);
    }
    const typeAt = words.indexOf("TYPE");
    this.env.fileFormats.set(name, typeAt >= 0 ? (words[typeAt + 2] ?? "CSV").replace(/'/g, "") : "CSV");
    return status(`File format ${name} successfully created.`, STATEMENT_TYPE.ddl);
  }

  private async show(session: Session, rest: Token[]): Promise<StatementResult> {
    const words = sigKeywords(rest);
    const what = words[0] === "TERSE" ? words[1] : words[0];
    const inAt = words.indexOf("IN");
    const target =
      inAt >= 0
        ? rest.slice(
            inAt + 1 + (["TABLE", "SCHEMA", "DATABASE", "ACCOUNT"].includes(words[inAt + 1] ?? "") ? 1 : 0),
          )
        : [];
    const names = target
      .filter((t) => t.kind === "word" || t.kind === "quoted")
      .map((t) => identifierName(t) as string);
    const like = rest.find((t, i) => keyword(rest[i - 1]) === "LIKE" && t.kind === "string") as
      | { value: string }
      | undefined;
    const likeSql = like ? ` AND table_name ILIKE ${quoteString(like.value)}` : "";
    const db = quoteString(session.database ?? "");
    if (what === "COLUMNS") {
      const table = names[names.length - 1];
      const schema = names.length > 1 ? names[names.length - 2] : session.schema;
      const filter = table
        ? ` AND table_name = ${quoteString(table)} AND table_schema IN (${quoteString(schema ?? "")}, 'main')`
        : "";
      const result = await runRows(
        session.connection,
        `SELECT table_name, table_schema AS schema_name, column_name,
           json_object('type', ${SNOWFLAKE_DATA_TYPE_SQL.replace(/'TEXT'/, "'TEXT'")}, 'nullable', is_nullable = 'YES', 'precision', numeric_precision, 'scale', numeric_scale)::VARCHAR AS data_type,
           CASE WHEN is_nullable = 'YES' THEN 'true' ELSE 'false' END AS "null?", column_default AS "default", 'COLUMN' AS kind,
           '' AS expression, '' AS comment, ${db} AS database_name, '' AS autoincrement
         FROM information_schema.columns WHERE table_catalog IN (${quoteString(this.env.catalog)}, 'temp')${filter}
         ORDER BY table_schema, table_name, ordinal_position`,
      );
      return { ...result, statementTypeId: STATEMENT_TYPE.select };
    }
    if (what === "TABLES" || what === "OBJECTS") {
      const schema = names[names.length - 1] ?? session.schema;
      const result = await runRows(
        session.connection,
        `SELECT NULL::TIMESTAMPTZ AS created_on, table_name AS name, ${db} AS database_name, table_schema AS schema_name,
           CASE WHEN table_catalog = 'temp' THEN 'TEMPORARY' ELSE 'TABLE' END AS kind
         FROM information_schema.tables WHERE table_type <> 'VIEW' AND (table_catalog = 'temp' OR (table_catalog = ${quoteString(this.env.catalog)} AND table_schema = ${quoteString(schema ?? "")}))${likeSql}
         ORDER BY name`,
      );
      return { ...result, statementTypeId: STATEMENT_TYPE.select };
    }
    if (what === "SCHEMAS") {
      const result = await runRows(
        session.connection,
        `SELECT NULL::TIMESTAMPTZ AS created_on, schema_name AS name, ${db} AS database_name FROM information_schema.schemata
         WHERE catalog_name = ${quoteString(this.env.catalog)} AND schema_name NOT IN ('information_schema', 'pg_catalog', 'main') ORDER BY name`,
      );
      return { ...result, statementTypeId: STATEMENT_TYPE.select };
    }
    throw SNOWFLAKE_ERRORS.unsupported(`SHOW ${what ?? ""}`);
  }

  /** DESCRIBE TABLE t: name, type (NUMBER(38,0), VARCHAR(16777216), TIMESTAMP_TZ(9), VARIANT…), kind, null?. */
  private async describe(session: Session, tokens: Token[]): Promise<StatementResult> {
    const names = tokens
      .slice(1)
      .filter((t) => t.kind === "word" || t.kind === "quoted")
      .map((t) => identifierName(t) as string);
    const [table = ""] = names.filter((n) => n !== "TABLE").slice(-1);
    const parts = names.filter((n) => n !== "TABLE");
    const schema = parts.length > 1 ? parts[parts.length - 2] : session.schema;
    const result = await runRows(
      session.connection,
      `SELECT column_name AS name, ${SNOWFLAKE_FULL_TYPE_SQL} AS type, 'COLUMN' AS kind,
         CASE WHEN is_nullable = 'YES' THEN 'Y' ELSE 'N' END AS "null?", column_default AS "default",
         'N' AS "primary key", 'N' AS "unique key", NULL::VARCHAR AS "check", NULL::VARCHAR AS expression, NULL::VARCHAR AS comment
       FROM information_schema.columns
       WHERE table_name = ${quoteString(table)} AND ((table_catalog = ${quoteString(this.env.catalog)} AND table_schema = ${quoteString(schema ?? "")}) OR table_catalog = 'temp')
       ORDER BY ordinal_position`,
    );
    if (result.rowset.length === 0) throw SNOWFLAKE_ERRORS.objectMissing(table);
    return { ...result, statementTypeId: STATEMENT_TYPE.select };
  }

  /**
   * PUT file://path @stage[/prefix] [AUTO_COMPRESS=…] [SOURCE_COMPRESSION=…] [OVERWRITE=…] [PARALLEL=n].
   * The answer is the driver's instructions: it reads the local file, gzips it when asked, and
   * copies it into the stage's folder itself.
   *
   * Why LOCAL_FS: it is the one location type of the driver's file-transfer agent that works
   * against a server on plain HTTP. S3 is always reached over https (file_transfer_agent/s3_util.js
   * builds `https://${stageInfo.endPoint}`), so it would need TLS and a fake S3; GCS with
   * presigned URLs could use http, but re-runs the PUT per file and encrypts with the query stage
   * master key. LOCAL_FS (file_transfer_agent/local_util.js, Snowflake's own test stage type) makes
   * the driver copy the file into a folder this server reads, unencrypted, with its real
   * compression and result handling. Caveat: the driver calls process.umask(0) for LOCAL_FS.
   */
  private put(session: Session, sql: string): PutInstructions {
    const match = /^\s*PUT\s+(?:'file:\/\/([^']+)'|file:\/\/(\S+))\s+('?@[^\s']+'?)(.*)$/is.exec(sql);
    if (!match) throw SNOWFLAKE_ERRORS.syntax("unexpected PUT: expected PUT file://<path> @<stage>");
    const path = match[1] ?? match[2] ?? "";
    const stage = this.env.stages.resolve(match[3] ?? "", session.user);
    const options = parseOptions(match[4] ?? "");
    const location = `${stage.dir}/${stage.prefix}`.replace(/\/+$/, "");
    return {
      command: "UPLOAD",
      src_locations: [path],
      autoCompress: (options.AUTO_COMPRESS ?? "TRUE").toUpperCase() === "TRUE",
      sourceCompression: (options.SOURCE_COMPRESSION ?? "auto_detect").toLowerCase(),
      parallel: Number(options.PARALLEL ?? 4),
      overwrite: (options.OVERWRITE ?? "FALSE").toUpperCase() === "TRUE",
      stageInfo: { locationType: "LOCAL_FS", location, path: stage.prefix, region: null, creds: {} },
      presignedUrls: [],
    };
  }

  private stageOf(session: Session, tokens: Token[]): { stage: ResolvedStage; pattern: string | undefined } {
    const ref =
      tokens.find((t) => t.kind === "stage") ??
      tokens.find((t) => t.kind === "string" && t.value.startsWith("@"));
    if (!ref) throw SNOWFLAKE_ERRORS.syntax("expected a stage (@~, @%table or @name)");
    const text = ref.kind === "string" ? ref.value : ref.text;
    const patternAt = tokens.findIndex((t) => keyword(t) === "PATTERN");
    const pattern =
      patternAt >= 0 ? (tokens[patternAt + 2] as { value?: string } | undefined)?.value : undefined;
    return { stage: this.env.stages.resolve(text, session.user), pattern };
  }

  private remove(session: Session, tokens: Token[]): StatementResult {
    const { stage, pattern } = this.stageOf(session, tokens);
    const removed = this.env.stages.remove(stage, pattern);
    return {
      rowtype: [textColumn("name"), textColumn("result")],
      rowset: removed.map((f) => [f, "removed"]),
      statementTypeId: STATEMENT_TYPE.select,
    };
  }

  private list(session: Session, tokens: Token[]): StatementResult {
    const { stage, pattern } = this.stageOf(session, tokens);
    const files = this.env.stages.files(stage, pattern);
    return {
      rowtype: [textColumn("name"), fixedColumn("size"), textColumn("md5"), textColumn("last_modified")],
      rowset: files.map((f) => {
        const d = this.env.stages.describe(stage, f);
        return [f, String(d.size), d.md5, d.modified.toUTCString()];
      }),
      statementTypeId: STATEMENT_TYPE.select,
    };
  }

  /**
   * COPY INTO table [(cols)] FROM @stage | (SELECT $1:… FROM @stage) [FILES=(…)] [PATTERN='…']
   * FILE_FORMAT=(TYPE=JSON …) [MATCH_BY_COLUMN_NAME=CASE_INSENSITIVE|CASE_SENSITIVE] [PURGE=TRUE]
   * [FORCE=TRUE]. JSON only (gzip or not; DuckDB's read_json_objects detects it). A file already
   * loaded into the table with the same content is skipped unless FORCE, as Snowflake's load
   * metadata does. ON_ERROR is always ABORT_STATEMENT: one bad file fails the statement, and
   * nothing is loaded.
   */
  private async copy(
    session: Session,
    tokens: Token[],
    binds: readonly BindValue[],
  ): Promise<StatementResult> {
    const words = sigKeywords(tokens);
    if (words[1] !== "INTO") throw SNOWFLAKE_ERRORS.syntax("expected COPY INTO");
    if (tokens[2]?.kind === "stage") throw SNOWFLAKE_ERRORS.unsupported("COPY INTO @stage (unload)");
    const fromAt = words.indexOf("FROM");
    const head = tokens.slice(2, fromAt);
    const columnListAt = head.findIndex((t) => t.text === "(");
    const tableTokens = columnListAt >= 0 ? head.slice(0, columnListAt) : head;
    const tableText = tableTokens.map((t) => t.text).join("");
    const [table = ""] = this.translate(session, tableText, binds);
    const tableKey = table;
    const columnList =
      columnListAt >= 0
        ? this.translate(
            session,
            `SELECT ${head
              .slice(columnListAt + 1, -1)
              .map((t) => t.text)
              .join(" ")}`,
            binds,
          )[0]?.replace(/^SELECT /, "")
        : undefined;

    // The source: a stage, or a parenthesised SELECT over one.
    let transform: string | undefined;
    let afterSource = fromAt + 2;
    if (tokens[fromAt + 1]?.text === "(") {
      let depth = 0;
      let j = fromAt + 1;
      for (; j < tokens.length; j++) {
        if (tokens[j]?.text === "(") depth++;
        if (tokens[j]?.text === ")" && --depth === 0) break;
      }
      transform = tokens
        .slice(fromAt + 2, j)
        .map(tokenText)
        .join(" ");
      afterSource = j + 1;
    }
    const sourceTokens =
      transform === undefined
        ? tokens.slice(fromAt + 1, fromAt + 2)
        : tokenize(transform).filter((t) => t.kind !== "space");
    const { stage } = this.stageOf(session, sourceTokens);
    const options = parseOptions(tokens.slice(afterSource).map(tokenText).join(" "));
    const formatType = (
      options.TYPE ??
      (options.FORMAT_NAME
        ? this.env.fileFormats.get(options.FORMAT_NAME.replace(/['"]/g, "").toUpperCase())
        : undefined) ??
      "CSV"
    )
      .replace(/'/g, "")
      .toUpperCase();
    if (formatType !== "JSON")
      throw SNOWFLAKE_ERRORS.unsupported(`COPY with FILE_FORMAT TYPE=${formatType} (only JSON loads)`);

    let files = this.env.stages.files(stage, options.PATTERN?.replace(/^'|'$/g, ""));
    if (options.FILES) {
      const wanted = [...options.FILES.matchAll(/'([^']*)'/g)].map(
        (m) => `${stage.prefix ? `${stage.prefix.replace(/\/?$/, "/")}` : ""}${m[1]}`,
      );
      files = files.filter((f) => wanted.includes(f) || wanted.includes(f.replace(/\.gz$/, "")));
    }
    const force = (options.FORCE ?? "FALSE").toUpperCase() === "TRUE";
    const history = this.env.stages.loaded.get(tableKey) ?? new Map<string, string>();
    const pending = files
      .map((file) => ({ file, digest: this.env.stages.digest(stage, file) }))
      .filter(({ file, digest }) => force || history.get(`${stage.label}/${file}`) !== digest);
    if (pending.length === 0) return status("Copy executed with 0 files processed.", STATEMENT_TYPE.dml);

    const match = (options.MATCH_BY_COLUMN_NAME ?? "NONE").toUpperCase();
    const loaded = await this.inTransaction(session, async () => {
      const rowsByFile: bigint[] = [];
      for (const { file } of pending) {
        const source = this.stageSource(stage, undefined, [file]);
        let insert: string;
        if (transform !== undefined) {
          const select =
            translateSql(transform, { ...this.context(session, binds), stageSource: () => source })[0] ?? "";
          insert = `INSERT INTO ${table}${columnList ? ` (${columnList})` : ""} ${select}`;
        } else if (match === "CASE_INSENSITIVE" || match === "CASE_SENSITIVE") {
          insert = await this.matchByName(session, table, source, match === "CASE_INSENSITIVE");
        } else {
          const columns = await this.columnsOf(session, table);
          if (columns.length !== 1 || columns[0]?.type !== "JSON")
            throw new SnowflakeError(
              "002019",
              "0A000",
              "SQL compilation error:\nJSON file format can produce one and only one column of type variant, object, or array. Load data into separate columns using the MATCH_BY_COLUMN_NAME copy option or copy with transformation.",
            );
          insert = `INSERT INTO ${table} SELECT "$1" FROM ${source}`;
        }
        try {
          rowsByFile.push(await runCount(session.connection, insert));
        } catch (error) {
          throw parseErrorOf(error, `${stage.label === "~" ? "" : `${stage.label}/`}${file}`) ?? error;
        }
      }
      return rowsByFile;
    });
    for (const { file, digest } of pending) history.set(`${stage.label}/${file}`, digest);
    this.env.stages.loaded.set(tableKey, history);
    if ((options.PURGE ?? "FALSE").toUpperCase() === "TRUE")
      for (const { file } of pending) this.env.stages.remove({ ...stage, prefix: file });
    const fixed = ["rows_parsed", "rows_loaded", "error_limit", "errors_seen"];
    return {
      rowtype: [
        textColumn("file"),
        textColumn("status"),
        ...fixed.map(fixedColumn),
        textColumn("first_error"),
        fixedColumn("first_error_line"),
        fixedColumn("first_error_character"),
        textColumn("first_error_column_name"),
      ],
      rowset: pending.map(({ file }, i) => [
        `${stage.label === "~" ? "" : `${stage.label}/`}${file}`,
        "LOADED",
        String(loaded[i]),
        String(loaded[i]),
        "1",
        "0",
        null,
        null,
        null,
        null,
      ]),
      statementTypeId: STATEMENT_TYPE.dml,
    };
  }

  private async columnsOf(session: Session, table: string): Promise<Array<{ name: string; type: string }>> {
    const result = await runRows(session.connection, `DESCRIBE ${table}`);
    return result.rowset.map((row) => ({ name: row[0] ?? "", type: row[1] ?? "" }));
  }

  /** INSERT … SELECT with each column taken from the JSON key of the same name (Snowflake's MATCH_BY_COLUMN_NAME). */
  private async matchByName(
    session: Session,
    table: string,
    source: string,
    caseInsensitive: boolean,
  ): Promise<string> {
    const columns = await this.columnsOf(session, table);
    const keys = (
      await runRows(session.connection, `SELECT DISTINCT unnest(json_keys("$1")) FROM ${source}`)
    ).rowset.map((r) => r[0] ?? "");
    const picked = columns.flatMap((c) => {
      const key = keys.find((k) =>
        caseInsensitive ? k.toUpperCase() === c.name.toUpperCase() : k === c.name,
      );
      if (key === undefined) return [];
      const path = quoteString(`$."${key.replace(/"/g, '\\"')}"`);
      const value =
        c.type === "JSON"
          ? `json_extract("$1", ${path})`
          : `CAST(json_extract_string("$1", ${path}) AS ${c.type})`;
      return [{ name: c.name, value }];
    });
    if (picked.length === 0) return `INSERT INTO ${table} SELECT * FROM ${table} WHERE false`;
    return `INSERT INTO ${table} (${picked.map((p) => quoteIdentifier(p.name)).join(", ")}) SELECT ${picked.map((p) => p.value).join(", ")} FROM ${source}`;
  }
}

const rows = (result: StatementResult): Outcome => ({ kind: "rows", result });

/**
 * A file the COPY cannot parse, said as Snowflake says it (100069, "Error parsing JSON", the
 * file and line): DuckDB's reader names the line one past a malformed one.
 */
function parseErrorOf(error: unknown, file: string): SnowflakeError | null {
  const message = String((error as Error)?.message ?? error);
  const match =
    /(Malformed JSON )?in file "[^"]*", (?:at byte \d+ )?in (?:line|record\/value) (\d+): ([^\n]*)/.exec(
      message,
    );
  if (!match) return null;
  const line = Number(match[2]) - (match[1] ? 1 : 0);
  return new SnowflakeError(
    "100069",
    "22P02",
    `Error parsing JSON: ${(match[3] as string).trim().replace(/\.$/, "")}\n  File '${file}', line ${line}, character 1\n  Row ${line} starts at line ${line}, column "$1"`,
  );
}

const tokenText = (t: Token): string => (t.kind === "string" ? quoteSnowflakeString(t.value) : t.text);
/** A string back in Snowflake's spelling (for re-reading a span of tokens). */
const quoteSnowflakeString = (value: string): string =>
  `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/** KEY = value options (COPY, PUT), with nested (…) groups flattened: FILE_FORMAT=(TYPE=JSON) gives TYPE. */
function parseOptions(text: string): Record<string, string> {
  const options: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)\s*=\s*('(?:[^']|'')*'|\((?:[^()]*)\)|[^\s,()]+)/g;
  for (const m of text.matchAll(pattern)) {
    const [, key = "", raw = ""] = m;
    if (raw.startsWith("(")) {
      if (key.toUpperCase() === "FILES") options.FILES = raw;
      else Object.assign(options, parseOptions(raw.slice(1, -1)));
    } else options[key.toUpperCase()] = raw.startsWith("'") ? raw.slice(1, -1) : raw;
  }
  return options;
}

/** The message Snowflake answers a DDL statement with. */
function ddlMessage(words: string[], tokens: Token[]): string {
  const names = tokens.filter((t) => t.kind === "word" || t.kind === "quoted");
  const name =
    identifierName(names.filter((t) => !["IF", "NOT", "EXISTS"].includes(keyword(t) ?? "")).pop()) ?? "";
  if (words[0] === "CREATE" && words.includes("TABLE")) {
    const tableAt = words.indexOf("TABLE");
    const rest = tokens.slice(tableAt + 1).filter((t) => !["IF", "NOT", "EXISTS"].includes(keyword(t) ?? ""));
    let j = 0;
    while (rest[j + 1]?.text === ".") j += 2;
    return `Table ${identifierName(rest[j]) ?? name} successfully created.`;
  }
  if (words[0] === "DROP") return `${name} successfully dropped.`;
  return "Statement executed successfully.";
}

interface MergeParts {
  sql: string;
  /** The target as written, with its alias. */
  target: string;
  /** The target table alone (for counts). */
  table: string;
  /** How the ON condition names the target: its alias or its name. */
  targetRef: string;
  source: string;
  condition: string;
  hasMatched: boolean;
  hasDelete: boolean;
}

/**
 * The parts of a translated MERGE, read from its DuckDB tokens. Also drops qualifiers from the
 * columns of UPDATE SET (Snowflake accepts `SET t.col = …`; DuckDB only `SET col = …`).
 */
function mergeParts(sql: string): MergeParts {
  const all = tokenize(sql, false);
  const sig = all.filter((t) => t.kind !== "space");
  const words = sig.map((t) => keyword(t) ?? "");
  const text = (from: number, to: number) =>
    sig
      .slice(from, to)
      .map((t) => t.text)
      .join(" ");
  const depthAt: number[] = [];
  let depth = 0;
  for (const t of sig) {
    if (t.text === "(") depth++;
    depthAt.push(depth);
    if (t.text === ")") depth--;
  }
  const top = (word: string, from = 0) =>
    words.findIndex((w, i) => i >= from && w === word && depthAt[i] === 0);
  const usingAt = top("USING");
  const onAt = top("ON", usingAt);
  const whenAt = top("WHEN", onAt);
  const targetTokens = sig.slice(2, usingAt);
  let nameEnd = 1;
  while (targetTokens[nameEnd]?.text === ".") nameEnd += 2;
  const table = targetTokens
    .slice(0, nameEnd)
    .map((t) => t.text)
    .join("");
  const aliasToken = targetTokens
    .slice(nameEnd)
    .filter((t) => keyword(t) !== "AS")
    .pop();
  const targetRef = aliasToken ? aliasToken.text : (targetTokens[nameEnd - 1]?.text ?? table);
  // Unqualify SET targets: after SET or a top-level comma inside an UPDATE clause, `x . col =`.
  const out: Token[] = [];
  let inSet = false;
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i] as Token;
    if (words[i] === "SET") inSet = true;
    else if (words[i] === "WHEN") inSet = false;
    const prev = keyword(sig[i - 1]) ?? sig[i - 1]?.text;
    if (
      inSet &&
      (prev === "SET" || (prev === "," && depthAt[i] === 0)) &&
      sig[i + 1]?.text === "." &&
      sig[i + 3]?.text === "="
    ) {
      i++;
      continue;
    }
    out.push(t);
  }
  const clauses = words.slice(whenAt).join(" ");
  return {
    sql: out.map((t) => t.text).join(" "),
    target: text(2, usingAt),
    table,
    targetRef,
    source: text(usingAt + 1, onAt),
    condition: text(onAt + 1, whenAt),
    hasMatched: /WHEN MATCHED/.test(clauses),
    hasDelete: /THEN DELETE/.test(clauses),
  };
}
