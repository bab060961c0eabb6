import { randomBytes } from "node:crypto";
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

/** Where a harness loads: settings for the target, a reader client, and how to clean up. */
export interface Place {
  settings: Record<string, unknown>;
  client: BigQuery;
  project: string;
  dataset: string;
  close(): Promise<void>;
}

async function localPlace(): Promise<Place> {
  const server = await startBigQueryLocal({});
  return {
    settings: { project: PROJECT, dataset: DATASET, location: "US", api_endpoint: server.url },
    client: localClient(server.url),
    project: PROJECT,
    dataset: DATASET,
    close: () => server.close(),
  };
}

/** The variables a live BigQuery run needs and lacks (none: it can run). */
export function liveBigQueryMissing(): string[] {
  return ["GOOGLE_APPLICATION_CREDENTIALS", "BIGQUERY_PROJECT"].filter((v) => !process.env[v]);
}

/**
 * A real project (GOOGLE_APPLICATION_CREDENTIALS, BIGQUERY_PROJECT, BIGQUERY_LOCATION default
 * US) with a dataset of its own named `<prefix>_<random>`: target-bigquery's settings for it, a
 * reader, and `close` deleting the dataset.
 */
export function livePlace(prefix = "tap_usertesting_contract"): Place {
  const project = String(process.env.BIGQUERY_PROJECT);
  const location = process.env.BIGQUERY_LOCATION ?? "US";
  const dataset = `${prefix}_${randomBytes(4).toString("hex")}`;
  const client = new BigQuery({ projectId: project, location });
  return {
    settings: {
      project,
      dataset,
      location,
      credentials_path: process.env.GOOGLE_APPLICATION_CREDENTIALS,
    },
    client,
    project,
    dataset,
    async close() {
      await client
        .dataset(dataset)
        .delete({ force: true })
        .catch(() => undefined);
    },
  };
}

function bigqueryHarnessOn(
  open: () => Promise<Place>,
  skipReason: () => string | null,
  unloadable: LoaderHarness["unloadable"],
): LoaderHarness {
  return {
    factory: bigqueryTarget,
    unloadable,
    skipReason,
    async open() {
      const place = await open();
      const { client, project, dataset } = place;
      const location = String(place.settings.location);
      const columns = async (stream: string): Promise<Map<string, ColumnType> | null> => {
        try {
          const [metadata] = await client
            .dataset(dataset)
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
        settings: place.settings,
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
            query: `SELECT ${select.join(", ")} FROM \`${project}.${dataset}.${BIGQUERY_DIALECT.tableName(stream)}\` ORDER BY 1`,
            location,
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
        close: () => place.close(),
      };
    },
  };
}

/** target-bigquery against the local BigQuery-protocol server (fake-backed: DuckDB inside), read back with the real client. */
export const bigqueryHarness = bigqueryHarnessOn(localPlace, () => null, {
  "an integer past 64 bits": "refused",
  "a repeated key": "loaded",
  "a lone surrogate": "refused",
});

/** The same against a real project, when credentials are set. */
export const bigqueryLiveHarness = bigqueryHarnessOn(
  async () => livePlace(),
  () => {
    const missing = liveBigQueryMissing();
    return missing.length ? `live BigQuery: set ${missing.join(" and ")}` : null;
  },
  {
    "an integer past 64 bits": "refused",
    // BigQuery's JSON type accepts a repeated key (it keeps one); a lone surrogate is not UTF-8.
    "a repeated key": "loaded",
    "a lone surrogate": "refused",
  },
);
