import { describe, expect, it } from "vitest";
import { connect, useBigQueryLocal } from "./helpers.js";

const apiError = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; message: string; errors: Array<{ reason: string }> };
    return { code: e.code, reason: e.errors?.[0]?.reason, message: e.message };
  }
  throw new Error("the call succeeded where it should fail");
};

describe("bigquery-local datasets and tables (fake-backed: local BigQuery-protocol server)", () => {
  it("creates, gets and deletes a dataset with its location; a missing one is a 404 notFound", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("analytics", { location: "EU" });
    expect(dataset.id).toBe("analytics");
    const [metadata] = await bigquery.dataset("analytics").getMetadata();
    expect(metadata).toMatchObject({
      id: "local-project:analytics",
      location: "EU",
      datasetReference: { projectId: "local-project", datasetId: "analytics" },
    });
    expect(await bigquery.dataset("analytics").exists()).toEqual([true]);
    expect(await apiError(bigquery.createDataset("analytics"))).toMatchObject({
      code: 409,
      reason: "duplicate",
    });

    await bigquery.dataset("analytics").delete();
    expect(await bigquery.dataset("analytics").exists()).toEqual([false]);
    expect(await apiError(bigquery.dataset("analytics").getMetadata())).toEqual({
      code: 404,
      reason: "notFound",
      message: "Not found: Dataset local-project:analytics",
    });
    expect(server.requests.map((r) => `${r.method} ${r.route} ${r.status}`)).toEqual([
      "POST datasets.insert 200",
      "GET datasets.get 200",
      "GET datasets.get 200",
      "POST datasets.insert 409",
      "DELETE datasets.delete 204",
      "GET datasets.get 404",
      "GET datasets.get 404",
    ]);
  });

  it("refuses to delete a dataset with tables unless deleteContents", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("d");
    await dataset.createTable("t", { schema: [{ name: "id", type: "INT64" }] });
    expect(await apiError(dataset.delete())).toMatchObject({ code: 400, reason: "invalid" });
    await dataset.delete({ force: true });
    expect(await dataset.exists()).toEqual([false]);
  });

  it("creates a typed table, reports its schema and row count, finds it without regard to case, and deletes it", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("raw");
    const expirationTime = String(Date.UTC(2030, 0, 1));
    await dataset.createTable("Sessions", {
      schema: [
        { name: "id", type: "INT64", mode: "REQUIRED" },
        { name: "title", type: "STRING" },
        { name: "score", type: "FLOAT64" },
        { name: "done", type: "BOOL" },
        { name: "at", type: "TIMESTAMP" },
        { name: "payload", type: "JSON" },
        { name: "amount", type: "NUMERIC" },
        { name: "day", type: "DATE" },
        { name: "local", type: "DATETIME" },
      ],
      expirationTime,
    });
    const [metadata] = await dataset.table("sessions").getMetadata();
    expect(metadata.tableReference).toEqual({
      projectId: "local-project",
      datasetId: "raw",
      tableId: "Sessions",
    });
    expect(metadata.numRows).toBe("0");
    expect(metadata.expirationTime).toBe(expirationTime);
    expect(metadata.schema.fields).toEqual([
      { name: "id", type: "INTEGER", mode: "REQUIRED" },
      { name: "title", type: "STRING", mode: "NULLABLE" },
      { name: "score", type: "FLOAT", mode: "NULLABLE" },
      { name: "done", type: "BOOLEAN", mode: "NULLABLE" },
      { name: "at", type: "TIMESTAMP", mode: "NULLABLE" },
      { name: "payload", type: "JSON", mode: "NULLABLE" },
      { name: "amount", type: "NUMERIC", mode: "NULLABLE" },
      { name: "day", type: "DATE", mode: "NULLABLE" },
      { name: "local", type: "DATETIME", mode: "NULLABLE" },
    ]);
    await dataset.table("SESSIONS").delete();
    expect(await dataset.table("Sessions").exists()).toEqual([false]);
    expect(await apiError(dataset.table("Sessions").getMetadata())).toMatchObject({
      code: 404,
      reason: "notFound",
      message: "Not found: Table local-project:raw.Sessions",
    });
  });

  it("patches a schema: appends NULLABLE fields and relaxes REQUIRED, refuses narrowing, retyping and dropping", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    const [dataset] = await bigquery.createDataset("raw");
    const [table] = await dataset.createTable("t", {
      schema: [
        { name: "id", type: "INT64", mode: "REQUIRED" },
        { name: "name", type: "STRING" },
      ],
    });
    const [patched] = await table.setMetadata({
      schema: {
        fields: [
          { name: "id", type: "INTEGER", mode: "NULLABLE" },
          { name: "name", type: "STRING" },
          { name: "extra", type: "JSON" },
        ],
      },
    });
    expect(patched.schema.fields).toEqual([
      { name: "id", type: "INTEGER", mode: "NULLABLE" },
      { name: "name", type: "STRING", mode: "NULLABLE" },
      { name: "extra", type: "JSON", mode: "NULLABLE" },
    ]);
    const fields = patched.schema.fields as Array<Record<string, string>>;
    const refused = (changed: Array<Record<string, string>>) =>
      apiError(table.setMetadata({ schema: { fields: changed } }));
    expect(
      await refused(fields.map((f) => (f.name === "name" ? { ...f, mode: "REQUIRED" } : f))),
    ).toMatchObject({
      code: 400,
      reason: "invalid",
      message:
        "Provided Schema does not match Table local-project:raw.t. Field name has changed mode from NULLABLE to REQUIRED",
    });
    expect(await refused(fields.map((f) => (f.name === "id" ? { ...f, type: "STRING" } : f)))).toMatchObject({
      reason: "invalid",
      message:
        "Provided Schema does not match Table local-project:raw.t. Field id has changed type from INTEGER to STRING",
    });
    expect(await refused(fields.slice(1))).toMatchObject({
      reason: "invalid",
      message: expect.stringMatching(/Field id is missing/),
    });
    expect(await refused([...fields, { name: "must", type: "STRING", mode: "REQUIRED" }])).toMatchObject({
      reason: "invalid",
      message: expect.stringMatching(/Cannot add required fields/),
    });
    const [after] = await table.getMetadata();
    expect(after.schema.fields).toHaveLength(3);
  });
});
