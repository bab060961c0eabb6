import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BigQuery, type BigQueryOptions } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import { afterEach } from "vitest";
import {
  type BigQueryLocal,
  type BigQueryLocalOptions,
  startBigQueryLocal,
} from "../../../src/emulators/bigquery/index.js";

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh server for this test on a free port, closed after it. */
export async function useBigQueryLocal(options: BigQueryLocalOptions = {}): Promise<BigQueryLocal> {
  const server = await startBigQueryLocal(options);
  cleanups.push(() => server.close());
  return server;
}

/** A temporary folder for this test, removed after it. */
export function useTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bigquery-local-spec-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * An OAuth2 client primed with a token that does not expire for a day: google-auth-library hands
 * it out as the Authorization header without any network call (OAuth2Client.getRequestMetadataAsync
 * refreshes only an expired or missing token).
 */
export function fixedTokenAuth(token = "local-test-token"): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token, expiry_date: Date.now() + 86_400_000, token_type: "Bearer" });
  return auth;
}

/**
 * The real @google-cloud/bigquery client, pointed at the server: `apiEndpoint` makes every URL
 * start with it (bigquery.js: baseUrl = `${apiEndpoint}/bigquery/v2`; uploads go to
 * `${apiEndpoint}/upload/bigquery/v2`), `authClient` supplies the token, `projectId` spares the
 * client asking the metadata server for one.
 */
export function connect(server: BigQueryLocal, options: BigQueryOptions = {}): BigQuery {
  return new BigQuery({
    apiEndpoint: server.url,
    projectId: "local-project",
    authClient: fixedTokenAuth(),
    location: "US",
    ...options,
  });
}

/** Writes NDJSON lines to a temp file and returns its path. */
export function ndjsonFile(
  dir: string,
  name: string,
  records: Array<Record<string, unknown> | string>,
): string {
  const path = join(dir, name);
  const text = records.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n");
  writeFileSync(path, `${text}\n`);
  return path;
}
