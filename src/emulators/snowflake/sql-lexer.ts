/**
 * Tokens of Snowflake SQL, as much of it as the stand-in translates. Whitespace and comments are
 * kept as `space` tokens so a translated statement keeps its layout (and error positions stay
 * readable); everything the translator rewrites has its own kind.
 */
export type Token =
  /** An unquoted word: a keyword, a function name or an identifier Snowflake folds to upper case. */
  | { kind: "word"; text: string }
  /** A double-quoted identifier: `name` is exact (Snowflake's rule), with "" unescaped. */
  | { kind: "quoted"; text: string; name: string }
  /** A string literal ('…' with Snowflake's backslash escapes, or $$…$$): `value` is decoded. */
  | { kind: "string"; text: string; value: string }
  | { kind: "number"; text: string }
  /** `?` (index null: the next one in order) or `:1` (index 1). */
  | { kind: "bind"; text: string; index: number | null }
  /** `$1`: a column of a staged file. */
  | { kind: "column"; text: string; index: number }
  /** A stage reference: @~/path, @%table/path, @name/path, with the `@`. */
  | { kind: "stage"; text: string }
  | { kind: "op"; text: string }
  | { kind: "space"; text: string };

/** Snowflake's escapes in single-quoted strings (docs: "Escape sequences in single-quoted string constants"). */
const ESCAPES: Record<string, string> = {
  "'": "'",
  '"': '"',
  "\\": "\\",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  "0": "\0",
};

const OPERATORS = ["::", "=>", "<=", ">=", "<>", "!=", "||", "->>", "->"];

/** Thrown for text the lexer cannot read (an unterminated string or identifier). */
export class SqlLexError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = "SqlLexError";
  }
}

/**
 * @param backslashEscapes Snowflake reads backslash escapes in '…' strings; DuckDB SQL (re-read
 * by the server after translation) does not.
 */
export function tokenize(sql: string, backslashEscapes = true): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (offset = 0): string => sql[i + offset] ?? "";
  while (i < sql.length) {
    const start = i;
    const c = at();
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(at())) i++;
      tokens.push({ kind: "space", text: sql.slice(start, i) });
    } else if ((c === "-" && at(1) === "-") || (c === "/" && at(1) === "/")) {
      while (i < sql.length && at() !== "\n") i++;
      tokens.push({ kind: "space", text: " " });
    } else if (c === "/" && at(1) === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      tokens.push({ kind: "space", text: " " });
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlLexError("unterminated string literal", start);
        const ch = at();
        if (ch === "'" && at(1) === "'") {
          value += "'";
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else if (ch === "\\" && backslashEscapes) {
          const next = at(1);
          value += ESCAPES[next] ?? next;
          i += 2;
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ kind: "string", text: sql.slice(start, i), value });
    } else if (c === "$" && at(1) === "$") {
      const end = sql.indexOf("$$", i + 2);
      if (end < 0) throw new SqlLexError("unterminated $$ string", start);
      i = end + 2;
      tokens.push({ kind: "string", text: sql.slice(start, i), value: sql.slice(start + 2, end) });
    } else if (c === '"') {
      let name = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlLexError("unterminated quoted identifier", start);
        if (at() === '"' && at(1) === '"') {
          name += '"';
          i += 2;
        } else if (at() === '"') {
          i++;
          break;
        } else {
          name += at();
          i++;
        }
      }
      tokens.push({ kind: "quoted", text: sql.slice(start, i), name });
    } else if (c === "$" && /\d/.test(at(1))) {
      i++;
      while (/\d/.test(at())) i++;
      tokens.push({ kind: "column", text: sql.slice(start, i), index: Number(sql.slice(start + 1, i)) });
    } else if (c === "?") {
      i++;
      tokens.push({ kind: "bind", text: "?", index: null });
    } else if (c === ":" && /\d/.test(at(1)) && previousSignificant(tokens)?.text !== ":") {
      i++;
      while (/\d/.test(at())) i++;
      tokens.push({ kind: "bind", text: sql.slice(start, i), index: Number(sql.slice(start + 1, i)) });
    } else if (c === "@") {
      i++;
      while (i < sql.length && !/[\s(),;]/.test(at())) i++;
      tokens.push({ kind: "stage", text: sql.slice(start, i) });
    } else if (/\d/.test(c) || (c === "." && /\d/.test(at(1)))) {
      while (/[\d.]/.test(at())) i++;
      if (/[eE]/.test(at()) && /[\d+-]/.test(at(1))) {
        i += 2;
        while (/\d/.test(at())) i++;
      }
      tokens.push({ kind: "number", text: sql.slice(start, i) });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < sql.length && /[\w$\u0080-\uffff]/.test(at())) i++;
      tokens.push({ kind: "word", text: sql.slice(start, i) });
    } else {
      const op = OPERATORS.find((candidate) => sql.startsWith(candidate, i)) ?? c;
      i += op.length;
      tokens.push({ kind: "op", text: op });
    }
  }
  return tokens;
}

/** The last token that is not whitespace. */
export function previousSignificant(tokens: readonly Token[], before = tokens.length): Token | undefined {
  for (let j = before - 1; j >= 0; j--) if (tokens[j]?.kind !== "space") return tokens[j];
  return undefined;
}

/** Tokens without whitespace and comments. */
export const significant = (tokens: readonly Token[]): Token[] => tokens.filter((t) => t.kind !== "space");

/** Upper-cased text of a word token, or undefined for any other token. */
export const keyword = (token: Token | undefined): string | undefined =>
  token?.kind === "word" ? token.text.toUpperCase() : undefined;

/** The name an identifier token stands for: unquoted folds to upper case, quoted is exact. */
export function identifierName(token: Token | undefined): string | undefined {
  if (token?.kind === "word") return token.text.toUpperCase();
  if (token?.kind === "quoted") return token.name;
  return undefined;
}

/** A name as a DuckDB identifier (always quoted: DuckDB would fold nothing, but quoting keeps reserved words safe). */
export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A string as a DuckDB literal (standard SQL: no backslash escapes). */
export const quoteString = (value: string): string => `'${value.replace(/'/g, "''")}'`;
