import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import { startBigQueryLocal } from "../../../src/emulators/bigquery/index.js";
import { BIGQUERY_DIALECT } from "../../../src/loaders/bigquery/bigquery-dialect.js";
import { bigqueryTarget } from "../../../src/loaders/bigquery/bigquery-target.js";
import { columnTypeOf } from "../../../src/loaders/bigquery/bigquery-types.js";
import type { ColumnType } from "../../../src/loaders/core/columns.js";
import type { LoaderHarness } from "./loader-harness.js";

const PROJECT = "local-project";
const DATASET = "usertesting";

/** Microseconds since the epoch of an RFC 3339 text, exactly (Date keeps milliseconds only). */
function micros(iso: string): string {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(iso.replace(" ", "T"));
  const whole = Date.parse(`${match?.[1]}${match?.[3] ?? "Z"}`);
  const fraction = (match?.[2] ?? "").padEnd(6, "0").slice(0, 6);
  return String(BigInt(whole) * 1000n + BigInt(fraction));
}

/** A client for the local server: its endpoint, and a token that needs no call to Google. */
export function localClient(url: string): BigQuery {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "reader", expiry_date: Date.now() + 86_400_000 });
  return new BigQuery({ projectId: PROJECT, apiEndpoint: url, authClient, location: "US" } as never);
}

/** target-bigquery against the local BigQuery-protocol server (fake-backed: DuckDB inside), read back with the real client. */
export const bigqueryHarness: LoaderHarness = {
  factory: bigqueryTarget,
  unloadable: {
    "an integer past 64 bits": "refused",
    "a repeated key": "loaded",
    "a lone surrogate": "refused",
  },
  skipReason: () => null,
  async open() {
    const server = await startBigQueryLocal({});
    const client = localClient(server.url);
    const columns = async (stream: string): Promise<Map<string, ColumnType> | null> => {
      try {
        const [metadata] = await client
          .dataset(DATASET)
          .table(BIGQUERY_DIALECT.tableName(stream))
          .getMetadata();
        const fields = (metadata as { schema: { fields: Array<{ name: string; type: string }> } }).schema
          .fields;
        return new Map(fields.map((f) => [f.name, columnTypeOf(f.type)]));
      } catch {
        return null;
      }
    };
    return {
      settings: { project: PROJECT, dataset: DATASET, location: "US", api_endpoint: server.url },
      columns,
      async rows(stream, properties) {
        const types = (await columns(stream)) ?? new Map<string, ColumnType>();
        if (types.size === 0) return [];
        const names = properties.map((p) => BIGQUERY_DIALECT.columnName(p));
        const select = names.map((n, i) => {
          const type = types.get(n);
          const column = `\`${n}\``;
          const value =
            type === "integer"
              ? `CAST(${column} AS STRING)`
              : type === "timestamp"
                ? `CAST(UNIX_MICROS(${column}) AS STRING)`
                : type === "json"
                  ? `TO_JSON_STRING(${column})`
                  : column;
          return `${value} AS c${i}`;
        });
        const [rows] = await client.query({
          query: `SELECT ${select.join(", ")} FROM \`${PROJECT}.${DATASET}.${BIGQUERY_DIALECT.tableName(stream)}\` ORDER BY 1`,
          location: "US",
        });
        return (rows as Array<Record<string, unknown>>).map((row) =>
          Object.fromEntries(
            properties.map((p, i) => {
              const value = row[`c${i}`] ?? null;
              const type = types.get(names[i] as string);
              if (value === null) return [p, null];
              if (type === "json") return [p, JSON.parse(String(value))];
              if (type === "number") return [p, Number(value)];
              if (type === "timestamp" && typeof value === "string" && value.includes("-"))
                return [p, micros(value)];
              return [
                p,
                typeof value === "object" && value && "value" in value
                  ? String((value as { value: unknown }).value)
                  : value,
              ];
            }),
          ),
        );
      },
      async close() {
        await server.close();
      },
    };
  },
};
