import { defineConfig } from "vitest/config";

// No React plugin: esbuild compiles JSX (automatic runtime), which keeps the dependency tree small.
export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    rollupOptions: {
      onwarn(warning, warn) {
        // react-router's "use client" directive means nothing to a client-only bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    host: "127.0.0.1",
    // `npm run dev` against a running `inplay demo` (default port 8000).
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/config.json": "http://127.0.0.1:8000",
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    testTimeout: 10_000,
  },
});
