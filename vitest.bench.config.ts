import { defineConfig } from "vitest/config"
import { alias } from "./vitest.shared.js"

// Benchmarks (`pnpm bench`) and scripts run through vite-node use the package sources directly.
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [{ resolve: { alias }, test: { name: "bench", benchmark: { include: ["bench/**/*.bench.ts"] } } }]
  }
})
