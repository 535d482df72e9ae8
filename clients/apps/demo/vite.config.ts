import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The demo server serves this build: index.html at "/", everything else under "/demo/".
export default defineConfig({
  base: "/demo/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
    rollupOptions: { input: { main: "index.html", bench: "bench.html" } },
  },
});
