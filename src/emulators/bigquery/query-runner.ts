import type { DuckDBConnection, DuckDBType } from "@duckdb/node-api";
import { BigQueryError, fromDuckDbError } from "./bigquery-error.js";
import {
  mergeDuplicateCheck,
  quoteString,
  splitStatements,
  statementKind,
  statementLines,
  translateTokens,
} from "./sql-translator.js";
import { bigQueryTypeOf, encodeCell, type FieldSchema } from "./sql-types.js";

/** What a query job leaves behind: the last statement's result (BigQuery's rule for scripts). */
export interface QueryResult {
  statementType: string;
  fields: FieldSchema[];
  rows: unknown[][];
  numDmlAffectedRows?: string;
}

const DML = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);
const DDL: Record<string, string> = {
  CREATE: "CREATE_TABLE",
  DROP: "DROP_TABLE",
  ALTER: "ALTER_TABLE",
  TRUNCATE: "TRUNCATE_TABLE",
};

/** BigQuery's message when a MERGE or UPDATE finds several source rows for one target row. */
export const DUPLICATE_SOURCE_ROW = "UPDATE/MERGE must match at most one source row for each target row";

/**
 * Runs a GoogleSQL statement or script on the connection. `BEGIN TRANSACTION … COMMIT TRANSACTION`
 * is one DuckDB transaction; a failing statement inside it rolls everything back (BigQuery
 * "Multi-statement transactions": an error rolls the transaction back), and so does a script that
 * ends with the transaction still open.
 */
export async function runQuery(
  connection: DuckDBConnection,
  sql: string,
  project: string,
  defaultDataset?: string,
): Promise<QueryResult> {
  const statements = splitStatements(sql);
  if (statements.length === 0)
    throw new BigQueryError("invalidQuery", "Syntax error: Unexpected end of script");
  let inTransaction = false;
  let result: QueryResult = { statementType: "SCRIPT", fields: [], rows: [] };
  const lines = statements.length > 1 ? statementLines(sql) : [];
  let current = 0;
  if (defaultDataset) await connection.run(`SET schema = ${quoteString(defaultDataset)}`);
  try {
    for (const [index, tokens] of statements.entries()) {
      current = index;
      const kind = statementKind(tokens);
      if (kind === "BEGIN") {
        await connection.run("BEGIN TRANSACTION");
        inTransaction = true;
        continue;
      }
      if (kind === "COMMIT" || kind === "ROLLBACK") {
        if (!inTransaction)
          throw new BigQueryError("invalidQuery", `${kind} TRANSACTION without BEGIN TRANSACTION`);
        await connection.run(kind);
        inTransaction = false;
        continue;
      }
      if (kind === "MERGE") {
        const check = mergeDuplicateCheck(tokens);
        if (check && (await connection.runAndReadAll(check)).getRows().length > 0)
          throw new BigQueryError("invalidQuery", DUPLICATE_SOURCE_ROW, "query");
      }
      const reader = await connection.runAndReadAll(translateTokens(tokens));
      if (DML.has(kind)) {
        const count = reader.getRows()[0]?.[0];
        result = { statementType: kind, fields: [], rows: [], numDmlAffectedRows: String(count ?? 0) };
      } else if (DDL[kind]) {
        result = { statementType: DDL[kind] as string, fields: [], rows: [] };
      } else {
        const types = reader.columnTypes() as DuckDBType[];
        const fields = reader.columnNames().map((name, i) => ({
          name,
          type: bigQueryTypeOf(types[i] as DuckDBType),
          mode: "NULLABLE" as const,
        }));
        result = { statementType: "SELECT", fields, rows: reader.getRows() as unknown[][] };
      }
    }
    current = -1;
    if (inTransaction) {
      inTransaction = false;
      await connection.run("ROLLBACK");
      throw new BigQueryError("invalidQuery", "Transaction was never committed or rolled back");
    }
    return result;
  } catch (error) {
    if (inTransaction) await connection.run("ROLLBACK").catch(() => undefined);
    const failure = fromDuckDbError(error, project);
    // A script's error says where: "… at [line:column]" of the statement that failed.
    const line = lines[current];
    if (line === undefined || /at \[\d+:\d+\]$/.test(failure.message)) throw failure;
    throw new BigQueryError(failure.reason, `${failure.message} at [${line}:1]`, failure.location);
  } finally {
    if (defaultDataset) await connection.run("SET schema = 'main'").catch(() => undefined);
  }
}

/** Rows in BigQuery's JSON format: `[{f: [{v: "…"}]}]`. */
export function encodeRows(result: QueryResult, int64Timestamp: boolean, offset = 0, limit = Infinity) {
  return result.rows.slice(offset, offset + limit).map((row) => ({
    f: row.map((value, i) => ({
      v: encodeCell((result.fields[i] as FieldSchema).type, value, int64Timestamp),
    })),
  }));
}
