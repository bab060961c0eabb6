import { afterEach, describe, expect, it } from "vitest";
import { type BigQueryLocal, startBigQueryLocal } from "../../src/emulators/bigquery/index.js";
import { bigqueryTarget } from "../../src/loaders/bigquery/bigquery-target.js";
import { runTarget } from "../../src/loaders/run-target.js";
import { memoryLogger } from "../../src/log/logger.js";
import { localClient } from "./harnesses/bigquery-harness.js";

const servers: BigQueryLocal[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const schema = (stream: string) =>
  JSON.stringify({
    type: "SCHEMA",
    stream,
    schema: { type: "object", properties: { id: { type: "integer" }, name: { type: ["string", "null"] } } },
    key_properties: ["id"],
  });
const record = (stream: string, body: string) =>
  `{"type": "RECORD", "stream": "${stream}", "record": ${body}}`;
const state = (bookmark: number) => JSON.stringify({ type: "STATE", value: { bookmark } });

/**
 * Three records a flush. The first flush lands people 1, 2 and pet 1; in the second, people's
 * MERGE runs first and succeeds, then the pets' MERGE fails for good on an id INT64 cannot hold.
 */
const INPUT = [
  schema("people"),
  schema("pets"),
  record("people", '{"id": 1, "name": "Ann"}'),
  record("pets", '{"id": 1, "name": "Rex"}'),
  record("people", '{"id": 2, "name": "Bob"}'),
  state(1),
  record("people", '{"id": 2, "name": "Bobby"}'),
  record("people", '{"id": 3, "name": "Cy"}'),
  record("pets", '{"id": 99999999999999999999, "name": "Huge"}'),
  state(2),
];

async function load(server: BigQueryLocal, lines: string[], location = "US") {
  const { logger, lines: logs } = memoryLogger();
  const setup = bigqueryTarget.create(
    {
      project: "local-project",
      dataset: "usertesting",
      location,
      api_endpoint: server.url,
      credentials_path: null,
      credentials_json: null,
      batch_size_rows: 3,
      batch_max_bytes: 1 << 26,
      batch_max_age_seconds: 60,
    },
    logger,
  );
  const states: unknown[] = [];
  let error: unknown;
  try {
    await runTarget({
      ...setup,
      lines: (async function* () {
        for (const line of lines) yield Buffer.from(line);
      })(),
      emitState: (s) => void states.push(s),
      logger,
    });
  } catch (e) {
    error = e;
  }
  return { states, error, logs };
}

async function rows(server: BigQueryLocal, table: string) {
  const [result] = await localClient(server.url).query({
    query: `SELECT CAST(id AS STRING) AS id, name FROM \`local-project.usertesting.${table}\` ORDER BY id`,
    location: "US",
  });
  return result;
}

describe("target-bigquery (fake-backed: local BigQuery-protocol server)", () => {
  it("leaves every table as it was before a flush whose MERGE script fails half-way, names the stream and the job, and passes on no STATE past it", async () => {
    const server = await startBigQueryLocal({});
    servers.push(server);
    const { states, error } = await load(server, INPUT);

    expect(states).toEqual([{ bookmark: 1 }]);
    const message = String((error as Error)?.message);
    expect(message).toMatch(/^BigQuery refused the MERGEs of the flush/);
    expect(message).toContain("(stream pets)");
    expect(message).toMatch(/, job [\w-]+ \(invalidQuery, location US, at query\)/);
    // The people MERGE ran before the failing one, inside the same transaction: undone.
    expect(await rows(server, "people")).toEqual([
      { id: "1", name: "Ann" },
      { id: "2", name: "Bob" },
    ]);
    expect(await rows(server, "pets")).toEqual([{ id: "1", name: "Rex" }]);
    // Not transient: tried once, and its staging tables were dropped all the same.
    const scripts = server.jobs.filter((j) =>
      /^BEGIN TRANSACTION/.test(String((j.configuration.query as { query?: string })?.query)),
    );
    expect(scripts).toHaveLength(2);
    const created = server.requests.filter((r) => r.route === "tables.insert").length;
    const dropped = server.requests.filter((r) => r.route === "tables.delete").length;
    expect({ created, dropped }).toEqual({ created: 2 + 4, dropped: 4 });
  });

  it("leaves the tables as they were when a job ends in an error that is not worth retrying", async () => {
    const server = await startBigQueryLocal({});
    servers.push(server);
    const firstFlush = INPUT.slice(0, 6);
    expect((await load(server, firstFlush)).error).toBeUndefined();
    // The next load job ends DONE with errorResult reason "invalid" (a permanent failure).
    server.faults.failJob("Access Denied: Table usertesting.people", "accessDenied");
    const { states, error } = await load(server, [
      ...firstFlush.slice(0, 2),
      record("people", '{"id": 2, "name": "Bobby"}'),
      record("pets", '{"id": 2, "name": "Tom"}'),
      state(2),
    ]);
    expect(states).toEqual([]);
    expect(String((error as Error)?.message)).toMatch(
      /^BigQuery refused the load job of people's batch \(stream people\), job [\w-]+ \(accessDenied, location US\): Access Denied/,
    );
    expect(await rows(server, "people")).toEqual([
      { id: "1", name: "Ann" },
      { id: "2", name: "Bob" },
    ]);
    expect(await rows(server, "pets")).toEqual([{ id: "1", name: "Rex" }]);
  });

  it("refuses a dataset in another location than the one configured, before loading anything", async () => {
    const server = await startBigQueryLocal({});
    servers.push(server);
    await localClient(server.url).createDataset("usertesting", { location: "EU" });
    const { states, error } = await load(server, INPUT.slice(0, 6), "US");
    expect(states).toEqual([]);
    expect(String((error as Error)?.message)).toBe(
      "The dataset local-project.usertesting is in EU, but the target-bigquery setting 'location' is US: set it to EU.",
    );
    expect(server.jobs).toEqual([]);
  });
});
