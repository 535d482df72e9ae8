import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    teardownTimeout: 30_000, // the e2e server stops gracefully: sockets, requests in flight, then PostgreSQL
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "server",
          include: ["e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["e2e/server-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
