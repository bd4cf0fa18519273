import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"
import { projects } from "./vitest.workspace.js"

// At least two workers, even on two cores (vitest's default there is one): most tests wait on
// sockets, servers and live clocks rather than compute, and one worker left a core idle.
const workers = Math.max(2, availableParallelism() - 1)

export default defineConfig({ test: { projects, maxWorkers: workers, minWorkers: workers } })
