/**
 * BigQuery GoogleSQL → DuckDB, for the statements a loader sends (see README.md "SQL"). Tokens are
 * rewritten, not parsed into a tree: backtick paths become quoted schema.table names, BigQuery
 * types and functions become DuckDB's, and the rest passes through (DuckDB shares most syntax:
 * QUALIFY, IS NOT DISTINCT FROM, MERGE).
 */
import { BigQueryError } from "./bigquery-error.js";
import { duckDbTypeOf, isBigQueryType } from "./sql-types.js";

export type Token =
  | { kind: "word"; text: string }
  /** A backtick-quoted path: `project.dataset.table`, split on dots. */
  | { kind: "path"; text: string; parts: string[] }
  | { kind: "string"; text: string; value: string }
  | { kind: "number"; text: string }
  | { kind: "op"; text: string }
  | { kind: "space"; text: string };

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "`": "`",
};

/** GoogleSQL lexical structure (docs: "Lexical structure and syntax"): '…' and "…" are strings with backslash escapes. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const start = i;
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i] as string)) i++;
      tokens.push({ kind: "space", text: sql.slice(start, i) });
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
      tokens.push({ kind: "space", text: " " });
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      // Its line breaks are kept, so that error positions still count lines right.
      tokens.push({ kind: "space", text: sql.slice(start, i).replace(/[^\n]/g, "") || " " });
    } else if (c === "'" || c === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw new BigQueryError("invalidQuery", "Syntax error: Unclosed string literal");
        const d = sql[i] as string;
        if (d === "\\") {
          const e = sql[i + 1] as string;
          value += ESCAPES[e] ?? e;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: "string", text: sql.slice(start, i), value });
    } else if (c === "`") {
      const end = sql.indexOf("`", i + 1);
      if (end < 0) throw new BigQueryError("invalidQuery", "Syntax error: Unclosed identifier literal");
      i = end + 1;
      tokens.push({ kind: "path", text: sql.slice(start, i), parts: sql.slice(start + 1, end).split(".") });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /\w/.test(sql[i] as string)) i++;
      tokens.push({ kind: "word", text: sql.slice(start, i) });
    } else if (/\d/.test(c)) {
      while (i < sql.length && /[\d.eE]/.test(sql[i] as string)) i++;
      tokens.push({ kind: "number", text: sql.slice(start, i) });
    } else {
      const two = sql.slice(i, i + 2);
      const op = ["<=", ">=", "<>", "!=", "||"].includes(two) ? two : c;
      i += op.length;
      tokens.push({ kind: "op", text: op });
    }
  }
  return tokens;
}

export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteString = (value: string): string => `'${value.replace(/'/g, "''")}'`;
const upper = (t: Token | undefined): string | undefined =>
  t?.kind === "word" ? t.text.toUpperCase() : undefined;
const isOp = (t: Token | undefined, text: string): boolean => t?.kind === "op" && t.text === text;

/** Splits a script at top-level semicolons into statements (empty ones dropped). */
export function splitStatements(sql: string): Token[][] {
  const statements: Token[][] = [[]];
  for (const token of tokenize(sql)) {
    if (isOp(token, ";")) statements.push([]);
    else statements[statements.length - 1]?.push(token);
  }
  return statements.filter((s) => s.some((t) => t.kind !== "space"));
}

/**
 * The line (1-based) each statement of splitStatements(sql) starts on: what BigQuery's
 * "… at [line:column]" in a script's error refers to.
 */
export function statementLines(sql: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let current: number | null = null;
  for (const token of tokenize(sql)) {
    if (isOp(token, ";")) {
      if (current !== null) lines.push(current);
      current = null;
    } else if (token.kind !== "space") current ??= line;
    line += token.text.split("\n").length - 1;
  }
  if (current !== null) lines.push(current);
  return lines;
}

const significant = (tokens: readonly Token[]): Token[] => tokens.filter((t) => t.kind !== "space");

/** The first keyword(s) of a statement, e.g. "SELECT", "MERGE", "BEGIN". */
export const statementKind = (tokens: readonly Token[]): string => upper(significant(tokens)[0]) ?? "";

/** Index of the `)` closing the `(` at `open`. */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isOp(tokens[i], "(")) depth++;
    else if (isOp(tokens[i], ")") && --depth === 0) return i;
  }
  throw new BigQueryError("invalidQuery", "Syntax error: Unexpected end of script (unbalanced parentheses)");
}

/** The arguments of a call whose `(` is at `open`, split at top-level commas. */
function callArguments(tokens: readonly Token[], open: number): { args: Token[][]; end: number } {
  const end = closing(tokens, open);
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < end; i++) {
    const t = tokens[i] as Token;
    if (isOp(t, "(") || isOp(t, "[")) depth++;
    if (isOp(t, ")") || isOp(t, "]")) depth--;
    if (depth === 0 && isOp(t, ",")) args.push([]);
    else args[args.length - 1]?.push(t);
  }
  return { args, end };
}

const nextSignificant = (tokens: readonly Token[], from: number): number => {
  let i = from;
  while (tokens[i]?.kind === "space") i++;
  return i;
};

/** `AS type` inside CAST/SAFE_CAST: translates the argument and maps the type. */
function castOf(arg: Token[], safe: boolean): string {
  const sig = arg.map((t, i) => ({ t, i })).filter(({ t }) => t.kind !== "space");
  const as = [...sig].reverse().find(({ t }) => upper(t) === "AS");
  if (!as) throw new BigQueryError("invalidQuery", "Syntax error: Expected keyword AS in CAST");
  const typeName = arg
    .slice(as.i + 1)
    .map((t) => t.text)
    .join("")
    .trim();
  const type = isBigQueryType(typeName) ? duckDbTypeOf(typeName) : typeName;
  const expr = render(arg.slice(0, as.i)).trim();
  // BigQuery's CAST(json AS STRING) wants a JSON string; DuckDB's would keep the quotes.
  return `${safe ? "TRY_CAST" : "CAST"}(${expr} AS ${type})`;
}

/** `'$.a.b'` JSONPath for `json['key']` / `json[0]` subscripts. */
const subscriptPath = (inner: Token[]): string => {
  const sig = significant(inner);
  const key = sig[0];
  if (sig.length === 1 && key?.kind === "string") return quoteString(`$."${key.value.replace(/"/g, '\\"')}"`);
  if (sig.length === 1 && key?.kind === "number") return quoteString(`$[${key.text}]`);
  throw new BigQueryError("invalidQuery", "JSON subscript must be a string or integer literal");
};

const lax = (kind: string, x: string): string => {
  const s = `json_extract_string(${x}, '$')`;
  switch (kind) {
    case "LAX_INT64":
      return `COALESCE(TRY_CAST(${s} AS BIGINT), TRY_CAST(ROUND(TRY_CAST(${s} AS DOUBLE)) AS BIGINT), CASE lower(${s}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`;
    case "LAX_FLOAT64":
      return `COALESCE(TRY_CAST(${s} AS DOUBLE), CASE lower(${s}) WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 END)`;
    case "LAX_BOOL":
      return `COALESCE(TRY_CAST(${s} AS BOOLEAN), TRY_CAST(TRY_CAST(${s} AS DOUBLE) <> 0 AS BOOLEAN))`;
    default:
      return `CASE WHEN json_type(${x}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE ${s} END`;
  }
};

/** Function rewrites: name → DuckDB text from the translated arguments. */
const FUNCTIONS: Record<string, (args: string[]) => string> = {
  JSON_VALUE: ([j, p = "'$'"]) =>
    `(CASE WHEN json_type(${j}, ${p}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(${j}, ${p}) END)`,
  JSON_EXTRACT_SCALAR: ([j, p = "'$'"]) => `json_extract_string(${j}, ${p})`,
  JSON_QUERY: ([j, p = "'$'"]) => `json_extract(${j}, ${p})`,
  JSON_EXTRACT: ([j, p = "'$'"]) => `json_extract(${j}, ${p})`,
  LAX_INT64: ([x]) => lax("LAX_INT64", x ?? "NULL"),
  LAX_FLOAT64: ([x]) => lax("LAX_FLOAT64", x ?? "NULL"),
  LAX_BOOL: ([x]) => lax("LAX_BOOL", x ?? "NULL"),
  LAX_STRING: ([x]) => lax("LAX_STRING", x ?? "NULL"),
  STRING: ([x]) => `json_extract_string(${x}, '$')`,
  // Strict, as BigQuery's INT64(json): a number out of INT64's range is an error; JSON null is NULL.
  INT64: ([x]) =>
    `(CASE WHEN json_type(${x}) = 'NULL' THEN NULL ELSE CAST(json_extract_string(${x}, '$') AS BIGINT) END)`,
  UNIX_MICROS: ([x]) => `epoch_us(${x})`,
  TO_JSON_STRING: ([x]) => `CAST(to_json(${x}) AS VARCHAR)`,
  TO_JSON: ([x]) => `to_json(${x})`,
  PARSE_JSON: ([x]) => `json(${x})`,
  TIMESTAMP: ([x]) => `CAST(${x} AS TIMESTAMPTZ)`,
  DATETIME: ([x]) => `CAST(${x} AS TIMESTAMP)`,
  CURRENT_TIMESTAMP: () => "now()",
  GENERATE_UUID: () => "CAST(uuid() AS VARCHAR)",
};

const OPTIONAL_INTO: Record<string, string> = { MERGE: "INTO", INSERT: "INTO", DELETE: "FROM" };

/** DDL context: a type word right after a column name (after `(`, `,`, COLUMN or EXISTS) or after TYPE. */
function isColumnType(out: readonly Token[], ddl: boolean): boolean {
  if (!ddl) return false;
  const sig = significant(out);
  const prev = sig[sig.length - 1];
  const before = sig[sig.length - 2];
  if (upper(prev) === "TYPE") return true;
  const prevIsName = prev?.kind === "word" || prev?.kind === "path";
  return (
    prevIsName &&
    (isOp(before, "(") || isOp(before, ",") || ["COLUMN", "EXISTS"].includes(upper(before) ?? ""))
  );
}

function render(tokens: readonly Token[]): string {
  return translateTokens(tokens);
}

/** Translates one statement's tokens to DuckDB SQL. */
export function translateTokens(tokens: readonly Token[]): string {
  const kind = statementKind(tokens);
  const ddl = kind === "CREATE" || kind === "ALTER";
  const out: Token[] = [];
  const emit = (text: string) => out.push({ kind: "word", text });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === "path") {
      // project.dataset.table → "dataset"."table" (a dataset is a DuckDB schema; the project is dropped)
      const parts = t.parts.length === 3 ? t.parts.slice(1) : t.parts;
      out.push({ kind: "path", text: parts.map(quoteIdentifier).join("."), parts });
      continue;
    }
    if (t.kind === "string") {
      out.push({ kind: "string", text: quoteString(t.value), value: t.value });
      continue;
    }
    if (isOp(t, "[")) {
      const end = tokens.findIndex((x, j) => j > i && isOp(x, "]"));
      const prev = out[out.length - 1];
      if (end > 0 && prev && (prev.kind === "word" || prev.kind === "path" || isOp(prev, ")"))) {
        // json['key'] → json_extract(json, '$."key"'): take the preceding identifier chain.
        let from = out.length - 1;
        if (isOp(prev, ")")) {
          let depth = 0;
          for (; from >= 0; from--) {
            if (isOp(out[from], ")")) depth++;
            if (isOp(out[from], "(") && --depth === 0) break;
          }
          if (from > 0 && out[from - 1]?.kind === "word") from--;
        } else {
          while (
            from >= 2 &&
            isOp(out[from - 1], ".") &&
            (out[from - 2]?.kind === "word" || out[from - 2]?.kind === "path")
          )
            from -= 2;
        }
        const base = out
          .splice(from)
          .map((x) => x.text)
          .join("");
        emit(`json_extract(${base}, ${subscriptPath(tokens.slice(i + 1, end) as Token[])})`);
        i = end;
        continue;
      }
    }
    if (t.kind === "word") {
      const word = t.text.toUpperCase();
      if (significant(out).length === 0 && OPTIONAL_INTO[word]) {
        // GoogleSQL's INTO / FROM after MERGE, INSERT and DELETE is optional; DuckDB's is not.
        const filler = OPTIONAL_INTO[word] as string;
        out.push(t);
        if (upper(tokens[nextSignificant(tokens, i + 1)]) !== filler) emit(` ${filler}`);
        continue;
      }
      const open = nextSignificant(tokens, i + 1);
      const isCall = isOp(tokens[open], "(") && !isOp(out[out.length - 1], ".");
      if (isCall && (word === "CAST" || word === "SAFE_CAST")) {
        const { args, end } = callArguments(tokens, open);
        emit(castOf(args[0] ?? [], word === "SAFE_CAST"));
        i = end;
        continue;
      }
      const fn = FUNCTIONS[word];
      if (isCall && fn && !(ddl && isColumnType(out, ddl))) {
        const { args, end } = callArguments(tokens, open);
        emit(fn(args.filter((a) => significant(a).length > 0).map((a) => translateTokens(a).trim())));
        i = end;
        continue;
      }
      const literal = tokens[open];
      if (
        (word === "TIMESTAMP" || word === "DATETIME" || word === "JSON" || word === "DATE") &&
        literal?.kind === "string"
      ) {
        const type = word === "DATE" ? "DATE" : duckDbTypeOf(word);
        emit(`CAST(${quoteString(literal.value)} AS ${type})`);
        i = open;
        continue;
      }
      if (isBigQueryType(word) && isColumnType(out, ddl)) {
        emit(duckDbTypeOf(word));
        continue;
      }
      if (word === "TRANSACTION" && ["COMMIT", "ROLLBACK"].includes(upper(significant(out).at(-1)) ?? ""))
        continue;
      if (word === "OPTIONS" && ddl && isOp(tokens[open], "(")) {
        i = closing(tokens, open);
        continue;
      }
    }
    out.push(t);
  }
  return out.map((t) => t.text).join("");
}

export function translate(sql: string): string {
  return translateTokens(tokenize(sql));
}

/**
 * For a MERGE with WHEN MATCHED: a DuckDB query that returns a row when some target row matches
 * several source rows (BigQuery refuses such a MERGE; DuckDB would apply one silently).
 */
export function mergeDuplicateCheck(tokens: readonly Token[]): string | undefined {
  const sig = tokens.map((t, i) => ({ t, i })).filter(({ t }) => t.kind !== "space");
  let depth = 0;
  let using = -1;
  let on = -1;
  let when = -1;
  for (const { t, i } of sig) {
    if (isOp(t, "(")) depth++;
    if (isOp(t, ")")) depth--;
    if (depth !== 0) continue;
    const w = upper(t);
    if (w === "USING" && using < 0) using = i;
    else if (w === "ON" && using >= 0 && on < 0) on = i;
    else if (w === "WHEN" && on >= 0 && when < 0) when = i;
  }
  if (using < 0 || on < 0 || when < 0)
    throw new BigQueryError("invalidQuery", "Syntax error: MERGE needs USING … ON … WHEN");
  const rest = significant(tokens.slice(when)).map((t) => upper(t) ?? t.text);
  const updates = rest.some((w, k) => w === "MATCHED" && rest[k - 1] === "WHEN");
  if (!updates) return undefined;
  const head = significant(tokens.slice(0, using)).slice(1);
  if (upper(head[0]) === "INTO") head.shift();
  const target = head[0];
  if (!target) throw new BigQueryError("invalidQuery", "Syntax error: MERGE without a target table");
  const aliasToken = upper(head[1]) === "AS" ? head[2] : head[1];
  const targetText = translateTokens([target]);
  const alias = aliasToken && upper(aliasToken) !== "USING" ? translateTokens([aliasToken]) : undefined;
  const source = translateTokens(tokens.slice(using + 1, on));
  const condition = translateTokens(tokens.slice(on + 1, when));
  return `SELECT 1 FROM ${targetText}${alias ? ` AS ${alias}` : ""} JOIN ${source} ON ${condition} GROUP BY ${alias ?? targetText}.rowid HAVING count(*) > 1 LIMIT 1`;
}
