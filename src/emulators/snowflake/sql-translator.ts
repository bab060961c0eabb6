import { SNOWFLAKE_ERRORS } from "./snowflake-error.js";
import { identifierName, keyword, quoteIdentifier, quoteString, type Token, tokenize } from "./sql-lexer.js";
import { duckDbTypeFor, isSnowflakeType, isVariantType, SNOWFLAKE_DATA_TYPE_SQL } from "./sql-types.js";

/** One bind value as the driver sends it (connection/statement.js buildBindsMap). */
export interface BindValue {
  /** FIXED, REAL, TEXT, BOOLEAN or VARIANT (the driver's choice from the JS type). */
  type: string;
  value: string | null;
}

export interface TranslateContext {
  /** Bind values by position (1-based in SQL, 0-based here). */
  binds: readonly BindValue[];
  /** Snowflake database names that stand for the one DuckDB catalog (login, USE DATABASE, CREATE DATABASE). */
  databases: ReadonlySet<string>;
  /** The DuckDB catalog a database name is replaced by. */
  catalog: string;
  /** The session's database and schema, as INFORMATION_SCHEMA reports them. */
  currentDatabase: string | null;
  currentSchema: string | null;
  /** SQL reading the staged files a stage reference stands for (a subquery with column "$1"). */
  stageSource: (stage: string, pattern: string | undefined) => string;
}

/**
 * Words kept as they are: SQL's structure. Any other unquoted word that is not a function call
 * is an identifier and becomes its upper-case name, quoted, so DuckDB stores and reports what
 * Snowflake would (`create table t (id int)` makes table T with column ID).
 */
const KEYWORDS = new Set(
  `SELECT FROM WHERE AND OR NOT NULL IS IN AS ON JOIN INNER LEFT RIGHT FULL OUTER CROSS GROUP BY ORDER
  HAVING LIMIT OFFSET UNION ALL ANY SOME DISTINCT INSERT INTO VALUES UPDATE SET DELETE MERGE USING WHEN
  MATCHED THEN ELSE END CASE CREATE TABLE TEMPORARY TEMP IF EXISTS OR REPLACE ALTER ADD COLUMN RENAME TO
  DROP SCHEMA PRIMARY DEFAULT TRUE FALSE BETWEEN LIKE ILIKE ASC DESC NULLS WITH RECURSIVE CAST TRY_CAST
  COLLATE UNIQUE CONSTRAINT REFERENCES FOREIGN CHECK INTERVAL EXCEPT INTERSECT MINUS QUALIFY OVER PARTITION
  ROWS RANGE PRECEDING FOLLOWING UNBOUNDED CURRENT ROW FILTER WINDOW LATERAL NATURAL IGNORE RESPECT ESCAPE
  CURRENT_TIMESTAMP CURRENT_DATE CURRENT_TIME LOCALTIMESTAMP TRUNCATE VIEW CASCADE RESTRICT EXPLAIN FETCH
  NEXT ONLY TABLESAMPLE`
    .split(/\s+/)
    .filter(Boolean),
);

/** Words that are keywords only after a given word (elsewhere they are ordinary column names). */
const KEYWORDS_AFTER: Record<string, readonly string[]> = {
  KEY: ["PRIMARY", "FOREIGN"],
  DATA: ["SET"],
  TYPE: ["DATA"],
  FIRST: ["NULLS"],
  LAST: ["NULLS"],
};

/** Snowflake functions DuckDB spells differently (called with parentheses). */
const FUNCTIONS: Record<string, string> = {
  CURRENT_TIMESTAMP: "get_current_timestamp",
  SYSDATE: "get_current_timestamp",
  GETDATE: "get_current_timestamp",
  IFF: "if",
  NVL: "coalesce",
  OBJECT_CONSTRUCT: "json_object",
  ARRAY_CONSTRUCT: "json_array",
  TO_VARCHAR: "to_varchar_sf",
  TRY_PARSE_JSON: "try_parse_json",
};

/**
 * Macros every session gets (DuckDB temporary macros live with their connection, as a Snowflake
 * session's objects do). PARSE_JSON validates as Snowflake does: invalid JSON is an error.
 */
export const SESSION_MACROS: readonly string[] = [
  "CREATE OR REPLACE TEMP MACRO parse_json(x) AS CAST(x AS JSON)",
  "CREATE OR REPLACE TEMP MACRO try_parse_json(x) AS CASE WHEN json_valid(x) THEN CAST(x AS JSON) END",
  "CREATE OR REPLACE TEMP MACRO to_variant(x) AS to_json(x)",
  "CREATE OR REPLACE TEMP MACRO to_varchar_sf(x) AS CAST(x AS VARCHAR)",
  // A VARIANT's JSON null becomes SQL NULL; other values stay as they are.
  "CREATE OR REPLACE TEMP MACRO strip_null_value(x) AS CASE WHEN json_type(CAST(x AS JSON)) = 'NULL' THEN NULL ELSE CAST(x AS JSON) END",
];

/** Words that start a column constraint Snowflake accepts and does not enforce (only NOT NULL is enforced). */
const CONSTRAINT_STARTS = new Set(["PRIMARY", "UNIQUE", "FOREIGN", "CONSTRAINT", "CHECK"]);

interface Scan {
  /** Indices of tokens where a type name starts. */
  types: Set<number>;
  /** Indices of tokens to leave out (unenforced constraints, TRANSIENT). */
  skip: Set<number>;
  /** Indices of words to keep as keywords whatever they are. */
  keywords: Set<number>;
  /** Indices where inline PRIMARY KEY becomes NOT NULL. */
  notNull: Set<number>;
  /** `FROM VALUES (…), (…)`: the VALUES word's index → its last ")" and the tuples' width. */
  fromValues: Map<number, { end: number; width: number; aliased: boolean }>;
  /** Indices of the ")" that close a FROM VALUES list, with what to write after it. */
  valuesEnds: Map<number, string>;
}

/** Indices of the significant tokens, in order. */
function significantIndices(tokens: readonly Token[]): number[] {
  const indices: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== "space") indices.push(i);
  });
  return indices;
}

/**
 * Finds type positions (after `::`, after AS inside CAST, in column definitions) and the parts
 * of DDL that DuckDB must not see.
 */
function scan(tokens: readonly Token[]): Scan {
  const result: Scan = {
    types: new Set(),
    skip: new Set(),
    keywords: new Set(),
    notNull: new Set(),
    fromValues: new Map(),
    valuesEnds: new Map(),
  };
  const sig = significantIndices(tokens);
  const tok = (k: number): Token | undefined => tokens[sig[k] ?? -1];
  const kw = (k: number): string | undefined => keyword(tok(k));
  for (let k = 0; k < sig.length; k++) {
    const t = tok(k);
    if (t?.kind === "op" && t.text === "::") result.types.add(sig[k + 1] ?? -1);
    if ((kw(k) === "CAST" || kw(k) === "TRY_CAST") && tok(k + 1)?.text === "(") {
      let depth = 0;
      for (let j = k + 1; j < sig.length; j++) {
        const text = tok(j)?.text;
        if (text === "(") depth++;
        else if (text === ")" && --depth === 0) break;
        else if (depth === 1 && kw(j) === "AS") result.types.add(sig[j + 1] ?? -1);
      }
    }
    if (kw(k) === "TRANSIENT") result.skip.add(sig[k] ?? -1);
    if (kw(k) === "VALUES" && ["FROM", "JOIN", "USING"].includes(kw(k - 1) ?? ""))
      scanFromValues(tokens, sig, k, result);
  }
  const first = kw(0);
  if (first === "CREATE") scanCreateTable(tokens, sig, result);
  if (first === "ALTER" && kw(1) === "TABLE") scanAlterTable(tokens, sig, result);
  return result;
}

/**
 * Snowflake's `FROM VALUES (1, 'a'), (2, 'b')` names its columns COLUMN1, COLUMN2…; DuckDB wants
 * `FROM (VALUES …) AS alias(names)`. Records where the list ends and how wide its rows are.
 */
function scanFromValues(tokens: readonly Token[], sig: number[], k: number, result: Scan): void {
  const tok = (j: number): Token | undefined => tokens[sig[j] ?? -1];
  let j = k + 1;
  let width = 0;
  let end = -1;
  while (tok(j)?.text === "(") {
    let depth = 0;
    let commas = 0;
    for (; j < sig.length; j++) {
      const text = tok(j)?.text;
      if (text === "(") depth++;
      else if (text === ")" && --depth === 0) break;
      else if (text === "," && depth === 1) commas++;
    }
    width = Math.max(width, commas + 1);
    end = j;
    j++;
    if (tok(j)?.text !== ",") break;
    j++;
  }
  if (end < 0) return;
  const names = Array.from({ length: width }, (_, n) => `"COLUMN${n + 1}"`).join(", ");
  const next = tok(end + 1);
  const alias = next?.kind === "word" && !KEYWORDS.has(next.text.toUpperCase()) ? next : undefined;
  const aliasedWithAs = keyword(next) === "AS";
  result.fromValues.set(sig[k] ?? -1, {
    end: sig[end] ?? -1,
    width,
    aliased: Boolean(alias) || aliasedWithAs,
  });
  if (alias || aliasedWithAs) {
    // `FROM VALUES (…) v` or `… AS v`: close the list, keep the alias, name the columns after it
    // unless the statement names them.
    const aliasAt = aliasedWithAs ? end + 2 : end + 1;
    result.valuesEnds.set(sig[end] ?? -1, ")");
    if (tok(aliasAt + 1)?.text !== "(") result.valuesEnds.set(sig[aliasAt] ?? -1, `(${names})`);
  } else result.valuesEnds.set(sig[end] ?? -1, `) AS "VALUES"(${names})`);
}

function scanCreateTable(tokens: readonly Token[], sig: number[], result: Scan): void {
  const tok = (k: number): Token | undefined => tokens[sig[k] ?? -1];
  const kw = (k: number): string | undefined => keyword(tok(k));
  let k = 1;
  while (k < sig.length && kw(k) !== "TABLE") {
    if (
      !["OR", "REPLACE", "TEMPORARY", "TEMP", "TRANSIENT", "LOCAL", "GLOBAL", "VOLATILE"].includes(
        kw(k) ?? "",
      )
    )
      return;
    k++;
  }
  k++;
  if (kw(k) === "IF") k += 3;
  // The table name, possibly qualified.
  k++;
  while (tok(k)?.text === ".") k += 2;
  if (tok(k)?.text !== "(") return;
  let depth = 0;
  let expectName = true;
  for (let j = k; j < sig.length; j++) {
    const text = tok(j)?.text;
    if (text === "(") {
      depth++;
      if (depth === 1) expectName = true;
      continue;
    }
    if (text === ")") {
      if (--depth === 0) break;
      continue;
    }
    if (depth !== 1) continue;
    if (text === ",") {
      expectName = true;
      continue;
    }
    if (expectName) {
      expectName = false;
      if (CONSTRAINT_STARTS.has(kw(j) ?? "")) {
        // A table constraint: leave it out, with the comma before it.
        const comma = sig[j - 1] ?? -1;
        if (tokens[comma]?.text === ",") result.skip.add(comma);
        let d = 0;
        for (; j < sig.length; j++) {
          const inner = tok(j)?.text;
          if (inner === "(") d++;
          if (inner === ")") {
            if (d === 0) {
              j--;
              break;
            }
            d--;
          }
          if (inner === "," && d === 0) {
            j--;
            break;
          }
          result.skip.add(sig[j] ?? -1);
        }
        continue;
      }
      result.types.add(sig[j + 1] ?? -1);
      continue;
    }
    // Inline constraints after the type: PRIMARY KEY implies NOT NULL in Snowflake; UNIQUE and
    // REFERENCES are recorded there but never enforced, so DuckDB does not get them.
    if (kw(j) === "PRIMARY" && kw(j + 1) === "KEY") {
      result.notNull.add(sig[j] ?? -1);
      result.skip.add(sig[j + 1] ?? -1);
    } else if (kw(j) === "UNIQUE") {
      result.skip.add(sig[j] ?? -1);
    }
  }
}

function scanAlterTable(tokens: readonly Token[], sig: number[], result: Scan): void {
  const tok = (k: number): Token | undefined => tokens[sig[k] ?? -1];
  const kw = (k: number): string | undefined => keyword(tok(k));
  let k = 2;
  if (kw(k) === "IF") k += 2;
  k++;
  while (tok(k)?.text === ".") k += 2;
  const action = kw(k);
  if (action === "ADD") {
    let j = k + 1;
    for (;;) {
      if (kw(j) === "COLUMN") j++;
      if (kw(j) === "IF") j += 3;
      result.types.add(sig[j + 1] ?? -1);
      // Next top-level comma starts another column.
      let depth = 0;
      for (; j < sig.length; j++) {
        const text = tok(j)?.text;
        if (text === "(") depth++;
        if (text === ")") depth--;
        if (text === "," && depth === 0) break;
      }
      if (j >= sig.length) break;
      j++;
    }
  } else if (action === "ALTER" || action === "MODIFY") {
    for (let j = k + 1; j < sig.length; j++) {
      if (kw(j) === "TYPE") {
        result.keywords.add(sig[j] ?? -1);
        result.types.add(sig[j + 1] ?? -1);
      }
      if (kw(j) === "DATA" && kw(j + 1) === "TYPE") result.keywords.add(sig[j] ?? -1);
    }
  }
}

/**
 * Snowflake's INFORMATION_SCHEMA views over DuckDB's, with Snowflake's upper-case column names
 * and type names (NUMBER, TEXT, FLOAT, VARIANT, TIMESTAMP_TZ). Temporary tables, which DuckDB
 * keeps in its "temp" catalog, show in the session's schema as Snowflake shows them.
 */
function informationSchema(view: string, ctx: TranslateContext): string | undefined {
  const db = quoteString(ctx.currentDatabase ?? ctx.catalog.toUpperCase());
  const catalog = quoteString(ctx.catalog);
  const schema = `CASE WHEN table_catalog = 'temp' THEN ${quoteString(ctx.currentSchema ?? "PUBLIC")} ELSE table_schema END`;
  const numeric =
    "data_type LIKE 'DECIMAL%' OR data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT')";
  if (view === "COLUMNS")
    return `(SELECT ${db} AS "TABLE_CATALOG", ${schema} AS "TABLE_SCHEMA", table_name AS "TABLE_NAME",
      column_name AS "COLUMN_NAME", ordinal_position AS "ORDINAL_POSITION", column_default AS "COLUMN_DEFAULT",
      is_nullable AS "IS_NULLABLE", ${SNOWFLAKE_DATA_TYPE_SQL} AS "DATA_TYPE",
      CASE WHEN data_type = 'VARCHAR' THEN 16777216 END AS "CHARACTER_MAXIMUM_LENGTH",
      CASE WHEN ${numeric} THEN numeric_precision END AS "NUMERIC_PRECISION",
      CASE WHEN ${numeric} THEN numeric_scale END AS "NUMERIC_SCALE"
      FROM information_schema.columns WHERE table_catalog IN (${catalog}, 'temp'))`;
  if (view === "TABLES")
    return `(SELECT ${db} AS "TABLE_CATALOG", ${schema} AS "TABLE_SCHEMA", table_name AS "TABLE_NAME",
      CASE WHEN table_catalog = 'temp' THEN 'LOCAL TEMPORARY' WHEN table_type = 'VIEW' THEN 'VIEW' ELSE 'BASE TABLE' END AS "TABLE_TYPE"
      FROM information_schema.tables WHERE table_catalog IN (${catalog}, 'temp'))`;
  if (view === "SCHEMATA")
    return `(SELECT ${db} AS "CATALOG_NAME", schema_name AS "SCHEMA_NAME" FROM information_schema.schemata
      WHERE catalog_name = ${catalog} AND schema_name NOT IN ('main', 'pg_catalog', 'information_schema'))`;
  return undefined;
}

/** A JSON path for DuckDB's json_extract from Snowflake's `:a.b[0]` segments. */
function jsonPath(segments: Array<string | number>): string {
  return `$${segments.map((s) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z_]\w*$/.test(s) ? `.${s}` : `."${s.replace(/"/g, '\\"')}"`)).join("")}`;
}

/** A bind value as a DuckDB literal: numbers and booleans as such, everything else a string literal DuckDB casts where it lands. */
function bindLiteral(bind: BindValue): string {
  if (bind.value === null) return "NULL";
  const type = bind.type.toUpperCase();
  if ((type === "FIXED" || type === "REAL") && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(bind.value))
    return bind.value;
  if (type === "BOOLEAN") return /^(true|1)$/i.test(bind.value) ? "TRUE" : "FALSE";
  return quoteString(bind.value);
}

/**
 * Translates one Snowflake statement to DuckDB. Most statements give one DuckDB statement;
 * ALTER TABLE … ADD a T, b T gives one per column (DuckDB adds one column at a time).
 */
export function translateSql(sql: string, ctx: TranslateContext): string[] {
  const tokens = tokenize(sql.trim().replace(/;+\s*$/, ""));
  return splitAlterAdd(tokens).map((part) => translateTokens(part, ctx));
}

/** `ALTER TABLE t ADD a INT, b INT` as two statements' tokens; any other statement as is. */
function splitAlterAdd(tokens: Token[]): Token[][] {
  const sig = significantIndices(tokens);
  const kw = (k: number) => keyword(tokens[sig[k] ?? -1]);
  if (kw(0) !== "ALTER" || kw(1) !== "TABLE") return [tokens];
  const addAt = sig.findIndex((_, k) => kw(k) === "ADD");
  if (addAt < 0) return [tokens];
  const head = tokens.slice(0, (sig[addAt] ?? 0) + 1);
  const parts: Token[][] = [];
  let depth = 0;
  let current: Token[] = [];
  for (const t of tokens.slice((sig[addAt] ?? 0) + 1)) {
    if (t.text === "(") depth++;
    if (t.text === ")") depth--;
    if (t.kind === "op" && t.text === "," && depth === 0) {
      parts.push(current);
      current = [];
    } else current.push(t);
  }
  parts.push(current);
  return parts.length === 1 ? [tokens] : parts.map((p) => [...head, { kind: "space", text: " " }, ...p]);
}

function translateTokens(tokens: Token[], ctx: TranslateContext): string {
  const marks = scan(tokens);
  const sig = significantIndices(tokens);
  const position = new Map(sig.map((tokenIndex, k) => [tokenIndex, k]));
  const sigTok = (k: number): Token | undefined => tokens[sig[k] ?? -1];
  const out: string[] = [];
  /** Where in `out` the operand before a `:path` began (an identifier chain or `$1`). */
  let operandStart = -1;
  let nextBind = 0;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const k = position.get(i) ?? -1;
    if (marks.skip.has(i)) continue;
    if (marks.fromValues.has(i)) {
      out.push("(VALUES");
      continue;
    }
    if (marks.valuesEnds.has(i) && t.kind !== "op") {
      out.push(`${quoteIdentifier(identifierName(t) ?? t.text)}${marks.valuesEnds.get(i)}`);
      continue;
    }
    if (marks.notNull.has(i)) {
      out.push("NOT NULL");
      continue;
    }
    if (marks.types.has(i) && (t.kind === "word" || t.kind === "quoted") && isSnowflakeType(t.text)) {
      const args: string[] = [];
      let end = i;
      if (sigTok(k + 1)?.text === "(") {
        let j = k + 2;
        for (; j < sig.length && sigTok(j)?.text !== ")"; j++) {
          const arg = sigTok(j);
          if (arg?.kind === "number") args.push(arg.text);
        }
        end = sig[j] ?? i;
      }
      out.push(duckDbTypeFor(t.text, args) ?? t.text);
      i = end;
      continue;
    }
    switch (t.kind) {
      case "space":
        out.push(t.text);
        break;
      case "string":
        out.push(quoteString(t.value));
        break;
      case "number":
        out.push(t.text);
        break;
      case "bind": {
        const index = t.index ?? ++nextBind;
        const bind = ctx.binds[index - 1];
        if (!bind) throw SNOWFLAKE_ERRORS.bindMissing(index);
        out.push(bindLiteral(bind));
        break;
      }
      case "column":
        operandStart = out.length;
        out.push(quoteIdentifier(`$${t.index}`));
        break;
      case "stage": {
        // A stage read as a table: `FROM @stage/path (FILE_FORMAT => …, PATTERN => '…')`.
        let pattern: string | undefined;
        if (sigTok(k + 1)?.text === "(" && sigTok(k + 3)?.text === "=>") {
          let j = k + 1;
          for (; j < sig.length && sigTok(j)?.text !== ")"; j++) {
            if (keyword(sigTok(j)) === "PATTERN" && sigTok(j + 2)?.kind === "string")
              pattern = (sigTok(j + 2) as { value: string }).value;
          }
          i = sig[j] ?? i;
        }
        out.push(ctx.stageSource(t.text, pattern));
        break;
      }
      case "quoted":
      case "word": {
        const upper = t.text.toUpperCase();
        const before = sigTok(k - 1);
        if (t.kind === "word" && isSnowflakeType(upper) && sigTok(k + 1)?.kind === "string") {
          // A typed literal: DATE '2024-01-01', TIMESTAMP_TZ '…'.
          out.push(duckDbTypeFor(upper) ?? t.text);
          break;
        }
        if (t.kind === "word") {
          const contextual = KEYWORDS_AFTER[upper];
          if (
            marks.keywords.has(i) ||
            (KEYWORDS.has(upper) && !(before?.text === "." || sigTok(k + 1)?.text === ".")) ||
            contextual?.includes(keyword(before) ?? "")
          ) {
            out.push(t.text);
            break;
          }
          if (sigTok(k + 1)?.text === "(" && !isTableNameBeforeParen(tokens, sig, k)) {
            out.push(FUNCTIONS[upper] ?? t.text);
            break;
          }
        }
        const name = identifierName(t) as string;
        const chainHead = before?.text !== ".";
        if (chainHead) {
          // [db.]INFORMATION_SCHEMA.view
          const skipDb =
            sigTok(k + 1)?.text === "." && identifierName(sigTok(k + 2)) === "INFORMATION_SCHEMA" ? 2 : 0;
          if ((skipDb > 0 || name === "INFORMATION_SCHEMA") && sigTok(k + skipDb + 1)?.text === ".") {
            const view = informationSchema(identifierName(sigTok(k + skipDb + 2)) ?? "", ctx);
            if (view && (skipDb > 0 || name === "INFORMATION_SCHEMA")) {
              out.push(view);
              i = sig[k + skipDb + 2] ?? i;
              break;
            }
          }
        }
        if (chainHead) operandStart = out.length;
        if (
          chainHead &&
          sigTok(k + 1)?.text === "." &&
          sigTok(k + 3)?.text === "." &&
          ctx.databases.has(name)
        ) {
          out.push(quoteIdentifier(ctx.catalog));
        } else out.push(quoteIdentifier(name));
        break;
      }
      case "op": {
        if (marks.valuesEnds.has(i)) {
          out.push(`)${marks.valuesEnds.get(i)}`);
          break;
        }
        const prev = sigTok(k - 1);
        const next = sigTok(k + 1);
        if (
          t.text === ":" &&
          operandStart >= 0 &&
          (prev?.kind === "word" || prev?.kind === "quoted" || prev?.kind === "column") &&
          (next?.kind === "word" || next?.kind === "quoted")
        ) {
          // Snowflake's path into a VARIANT: v:a.b[0], optionally cast with ::TYPE.
          const segments: Array<string | number> = [identifierPathKey(next)];
          let j = k + 2;
          for (;;) {
            const sep = sigTok(j)?.text;
            if (sep === "." && (sigTok(j + 1)?.kind === "word" || sigTok(j + 1)?.kind === "quoted")) {
              segments.push(identifierPathKey(sigTok(j + 1) as Token));
              j += 2;
            } else if (sep === "[" && sigTok(j + 1)?.kind === "number" && sigTok(j + 2)?.text === "]") {
              segments.push(Number(sigTok(j + 1)?.text));
              j += 3;
            } else break;
          }
          const operand = out.splice(operandStart).join("").trim();
          const path = quoteString(jsonPath(segments));
          const castType = sigTok(j)?.text === "::" ? sigTok(j + 1) : undefined;
          if (castType && !isVariantType(castType.text)) {
            const args: string[] = [];
            let end = j + 1;
            if (sigTok(j + 2)?.text === "(") {
              end = j + 3;
              for (; end < sig.length && sigTok(end)?.text !== ")"; end++) {
                const arg = sigTok(end);
                if (arg?.kind === "number") args.push(arg.text);
              }
            }
            out.push(
              `CAST(json_extract_string(${operand}, ${path}) AS ${duckDbTypeFor(castType.text, args) ?? castType.text})`,
            );
            i = sig[end] ?? i;
          } else {
            out.push(`json_extract(${operand}, ${path})`);
            i = castType ? (sig[j + 1] ?? i) : (sig[j - 1] ?? i);
          }
          operandStart = -1;
          break;
        }
        out.push(t.text);
        break;
      }
    }
  }
  return out.join("").trim();
}

/** A path segment's key: `a` stays as written (JSON keys are case-sensitive), `"a b"` is exact. */
function identifierPathKey(token: Token): string {
  return token.kind === "quoted" ? token.name : token.text;
}

/** Whether the word at significant position k, followed by `(`, names a table (INSERT INTO t (a, b)) rather than a function. */
function isTableNameBeforeParen(tokens: readonly Token[], sig: number[], k: number): boolean {
  let j = k - 1;
  while (tokens[sig[j] ?? -1]?.text === "." && j >= 1) j -= 2;
  const before = keyword(tokens[sig[j] ?? -1]);
  return before === "INTO" || before === "TABLE" || before === "EXISTS" || before === "VIEW";
}
