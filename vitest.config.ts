import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Every test starts its own sandbox on an ephemeral port, so files can run in parallel;
    // two workers match the two cores of the machines this runs on.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
