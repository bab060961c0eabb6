import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { connect, ndjsonFile, useBigQueryLocal, useTempDir } from "./helpers.js";

const SCHEMA = [
  { name: "id", type: "INT64", mode: "REQUIRED" },
  { name: "title", type: "STRING" },
  { name: "at", type: "TIMESTAMP" },
  { name: "payload", type: "JSON" },
];

describe("bigquery-local load jobs (fake-backed: local BigQuery-protocol server)", () => {
  it("loads NDJSON into a typed table through PENDING → RUNNING → DONE, with outputRows", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("raw");
    const [table] = await dataset.createTable("sessions", { schema: SCHEMA });
    const file = ndjsonFile(useTempDir(), "rows.json", [
      { id: 1, title: "Première", at: "2024-03-01T10:00:00.123456Z", payload: { tags: ["a"], n: 1 } },
      { id: 2, title: null, at: "2024-03-02 11:00:00 UTC" },
    ]);
    const [job] = await table.createLoadJob(file, {
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      writeDisposition: "WRITE_APPEND",
    });
    expect(job.metadata.status).toEqual({ state: "PENDING" });
    const states: string[] = [];
    for (let poll = 0; poll < 3; poll++) {
      const [metadata] = await job.getMetadata();
      states.push(metadata.status.state);
    }
    expect(states).toEqual(["RUNNING", "DONE", "DONE"]);
    const [done] = await job.getMetadata();
    expect(done.status.errorResult).toBeUndefined();
    expect(done.statistics.load).toMatchObject({ outputRows: "2", badRecords: "0" });
    expect(done.configuration.load.destinationTable).toEqual({
      projectId: "local-project",
      datasetId: "raw",
      tableId: "sessions",
    });
    expect(server.requests.filter((r) => r.route === "jobs.upload").map((r) => r.path)).toEqual([
      "/upload/bigquery/v2/projects/local-project/jobs",
    ]);
    expect(server.jobs).toHaveLength(1);
    const [metadata] = await table.getMetadata();
    expect(metadata.numRows).toBe("2");
  });

  it("table.load waits for the job; gzip media and WRITE_TRUNCATE; a schema on the job creates the table", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("raw");
    const dir = useTempDir();
    const file = join(dir, "rows.json.gz");
    writeFileSync(file, gzipSync(`${JSON.stringify({ id: 1 })}\n${JSON.stringify({ id: 2 })}\n`));
    const [first] = await dataset.table("fresh").load(file, {
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      schema: { fields: SCHEMA },
    });
    expect(first.status?.state).toBe("DONE");
    expect(first.statistics?.load?.outputRows).toBe("2");
    const [second] = await dataset.table("fresh").load(ndjsonFile(dir, "one.json", [{ id: 9 }]), {
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      writeDisposition: "WRITE_TRUNCATE",
    });
    expect(second.statistics?.load?.outputRows).toBe("1");
    const [metadata] = await dataset.table("fresh").getMetadata();
    expect(metadata.numRows).toBe("1");
    expect(metadata.schema.fields.map((f: { name: string }) => f.name)).toEqual([
      "id",
      "title",
      "at",
      "payload",
    ]);
  });

  it("fails a load on an unknown field with errorResult invalid and loads nothing; ignoreUnknownValues lets it through", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("raw");
    const [table] = await dataset.createTable("sessions", { schema: SCHEMA });
    const file = ndjsonFile(useTempDir(), "rows.json", [{ id: 1 }, { id: 2, surprise: true }]);
    const error = await table.load(file, { sourceFormat: "NEWLINE_DELIMITED_JSON" }).then(
      () => undefined,
      (e: { errors: Array<{ reason: string; message: string; location: string }>; message: string }) => e,
    );
    expect(error?.errors).toEqual([
      {
        reason: "invalid",
        message: expect.stringMatching(
          /^Error while reading data, error message: JSON table encountered too many errors/,
        ),
        location: "file-00000000",
      },
      {
        reason: "invalid",
        message:
          "Error while reading data, error message: JSON parsing error in row starting at position 9: No such field: surprise.",
        location: "file-00000000",
      },
    ]);
    const job = server.jobs[0];
    expect(job?.status.state).toBe("DONE");
    expect(job?.status.errorResult?.reason).toBe("invalid");
    expect((await table.getMetadata())[0].numRows).toBe("0");

    const [ok] = await table.load(file, {
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      ignoreUnknownValues: true,
    });
    expect(ok.statistics?.load?.outputRows).toBe("2");
  });

  it("fails a load that misses a REQUIRED field", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("raw");
    const [table] = await dataset.createTable("sessions", { schema: SCHEMA });
    const file = ndjsonFile(useTempDir(), "rows.json", [{ title: "no id" }]);
    const [job] = await table.createLoadJob(file, { sourceFormat: "NEWLINE_DELIMITED_JSON" });
    await job.getMetadata();
    const [done] = await job.getMetadata();
    expect(done.status.errorResult.reason).toBe("invalid");
    expect(done.status.errors[1].message).toMatch(/Missing required field: id\.$/);
  });
});
