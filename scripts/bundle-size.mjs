// Measures @errata/core as users ship it: bundled with esbuild, minified, gzipped, with `effect`
// left external (users already have it) and `@errata/dialect` bundled in (users get it with core).
// The bar in DESIGN.md is 4 KB. Both are read from their sources, so no build is needed first.
import { build } from "esbuild"
import { gzipSync } from "node:zlib"
import { fileURLToPath } from "node:url"

const LIMIT_BYTES = 4 * 1024

const result = await build({
  entryPoints: [fileURLToPath(new URL("../packages/core/src/index.ts", import.meta.url))],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "neutral",
  write: false,
  external: ["effect", "effect/*"],
  // `@errata/dialect/Catalog` → packages/dialect/src/Catalog.ts, as its exports map does for dist.
  alias: { "@errata/dialect": fileURLToPath(new URL("../packages/dialect/src", import.meta.url)) },
  logLevel: "silent"
})
const code = result.outputFiles[0].contents
const gzipped = gzipSync(code, { level: 9 }).length
const verdict = gzipped <= LIMIT_BYTES ? "PASS" : "FAIL"
console.log(
  `@errata/core bundle: ${code.length} B minified, ${gzipped} B gzipped (bar ${LIMIT_BYTES} B, ${(gzipped / LIMIT_BYTES).toFixed(2)} of it): ${verdict}`
)
if (process.argv.includes("--check") && verdict === "FAIL") process.exitCode = 1
