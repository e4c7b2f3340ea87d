import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["node/**/*.test.ts", "harness/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real processes and containers: 2 cores, keep the parallelism modest.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
