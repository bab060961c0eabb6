/**
 * A stand-in for the DuckDB CLI's `duckdb FILE "SQL"`, for machines without it: opens FILE as
 * the CLI does (read-write, DuckDB's default search path, nothing set up) and runs every
 * statement, printing the last one's rows as JSON lines; a DuckDB error goes to stderr, exit 1.
 */
import { DuckDBInstance } from "@duckdb/node-api";

const [file, sql, ...rest] = process.argv.slice(2);
if (!file || sql === undefined || rest.length > 0) {
  process.stderr.write('duckdb stand-in: usage: duckdb FILE "SQL"\n');
  process.exit(2);
}
try {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  const statements = await connection.extractStatements(sql);
  let rows: unknown[] = [];
  for (let i = 0; i < statements.count; i++)
    rows = (await (await statements.prepare(i)).runAndReadAll()).getRowObjectsJson();
  for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
  connection.closeSync();
  instance.closeSync();
} catch (error) {
  process.stderr.write(`Error: ${(error as Error).message}\n`);
  process.exit(1);
}
