import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Every test starts its own sandbox on an ephemeral port, so files can run in parallel;
    // two workers match the two cores of the machines this runs on.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 20_000,
    // Gives the run a temporary folder of its own and fails it if a test leaves anything there.
    globalSetup: ["test/global-setup.ts"],
  },
});
