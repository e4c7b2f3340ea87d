import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["contract/**/*.test.ts", "node/**/*.test.ts", "harness/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real processes and containers: 2 cores, keep the parallelism modest.
    maxWorkers: 2,
    fileParallelism: true,
    // CI runs on a shared 2-core machine where a container can take many seconds to start, and Docker Engine 20.10
    // now and then keeps a removed network's endpoint (403 "active endpoints"): a test that fails is run up to twice
    // more before it counts as failed. A real bug fails every time; retries are reported in the output ("retry xN").
    retry: process.env.CI ? 2 : 0,
    // ...and every test that needed a retry is listed at the end of the run (test/support/retry-reporter.ts).
    reporters: ["default", "./test/support/retry-reporter.ts"],
  },
});
