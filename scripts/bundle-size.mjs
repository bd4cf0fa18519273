// Measures the core of each edition as users ship it: bundled with esbuild, minified, gzipped, with
// `effect` left external (users already have it) and `@errata/dialect` bundled in (users get it
// with core). The bar in DESIGN.md, 4 KB, is the Effect 3 edition's `@errata/core`; the Effect 4
// edition's `errata` core entry is reported beside it, with no bar. Everything is read from the
// sources, so no build is needed first.
import { build } from "esbuild"
import { gzipSync } from "node:zlib"
import { fileURLToPath } from "node:url"

const LIMIT_BYTES = 4 * 1024

const measure = async (entry) => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
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
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length }
}

const core = await measure("../packages/core/src/index.ts")
const verdict = core.gzipped <= LIMIT_BYTES ? "PASS" : "FAIL"
console.log(
  `@errata/core bundle: ${core.minified} B minified, ${core.gzipped} B gzipped (bar ${LIMIT_BYTES} B, ${(core.gzipped / LIMIT_BYTES).toFixed(2)} of it): ${verdict}`
)
const errata = await measure("../packages/errata/src/index.ts")
console.log(`errata (Effect 4) core bundle: ${errata.minified} B minified, ${errata.gzipped} B gzipped (reported, no bar)`)
if (process.argv.includes("--check") && verdict === "FAIL") process.exitCode = 1
