import { describe, expect, it } from "vitest";
import { connect, useBigQueryLocal } from "./helpers.js";

/** Retries after at most 10 ms instead of retry-request's 1 s and more (common util.js: retryOptions.maxRetryDelay, in seconds). */
const QUICK_RETRY = { retryOptions: { maxRetryDelay: 0.01 } };

describe("bigquery-local faults (fake-backed: local BigQuery-protocol server)", () => {
  it("answers 503 backendError to the n-th request of a route: the client retries it", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server, QUICK_RETRY);
    server.faults.onRequest("datasets.insert", 1, 503);
    server.faults.onRequest("jobs.query", 2, 500);
    await bigquery.createDataset("d");
    await bigquery.query("SELECT 1 AS one");
    const [rows] = await bigquery.query("SELECT 2 AS two");
    expect(rows).toEqual([{ two: 2 }]);
    expect(server.requests.map((r) => `${r.route} ${r.status}`)).toEqual([
      "datasets.insert 503",
      "datasets.insert 200",
      "jobs.query 200",
      "jobs.query 500",
      "jobs.query 200",
    ]);
    expect(server.faults.pending).toBe(0);
  });

  it("keeps a slow job RUNNING for N polls before it runs", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    server.faults.slowJob(2);
    const [job] = await bigquery.createQueryJob({ query: "SELECT 'late' AS v", location: "US" });
    const states: string[] = [];
    for (let poll = 0; poll < 4; poll++) states.push((await job.getMetadata())[0].status.state);
    expect(states).toEqual(["RUNNING", "RUNNING", "RUNNING", "DONE"]);

    server.faults.slowJob(3);
    const [rows] = await bigquery.query({ query: "SELECT 'later' AS v", location: "US" });
    expect(rows).toEqual([{ v: "later" }]);
    // jobs.query answered jobComplete: false; the client polled getQueryResults until the job was done.
    expect(
      server.requests
        .filter((r) => r.route.startsWith("jobs."))
        .map((r) => r.route)
        .slice(-4),
    ).toEqual(["jobs.query", "jobs.getQueryResults", "jobs.getQueryResults", "jobs.getQueryResults"]);
  });

  it("ends a job with errorResult backendError", async () => {
    const server = await useBigQueryLocal();
    const bigquery = connect(server);
    server.faults.failJob("Backend error. Job aborted.");
    const [job] = await bigquery.createQueryJob({ query: "SELECT 1", location: "US" });
    await job.getMetadata();
    const [metadata] = await job.getMetadata();
    expect(metadata.status).toEqual({
      state: "DONE",
      errorResult: { reason: "backendError", message: "Backend error. Job aborted." },
      errors: [{ reason: "backendError", message: "Backend error. Job aborted." }],
    });
    expect(server.jobs[0]?.status.errorResult?.reason).toBe("backendError");
    await expect(job.promise()).rejects.toMatchObject({ errors: [{ reason: "backendError" }] });
  });
});
