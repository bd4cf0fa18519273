// Measures @errata/core as users ship it: bundled with esbuild, minified, gzipped, with `effect`
// left external (users already have it). The bar in DESIGN.md is 4 KB.
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
  logLevel: "silent"
})
const code = result.outputFiles[0].contents
const gzipped = gzipSync(code, { level: 9 }).length
const verdict = gzipped <= LIMIT_BYTES ? "PASS" : "FAIL"
console.log(
  `@errata/core bundle: ${code.length} B minified, ${gzipped} B gzipped (bar ${LIMIT_BYTES} B, ${(gzipped / LIMIT_BYTES).toFixed(2)} of it): ${verdict}`
)
if (process.argv.includes("--check") && verdict === "FAIL") process.exitCode = 1
