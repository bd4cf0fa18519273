/**
 * Every TypeScript sample in the READMEs and docs is a real file under docs/examples/, compiled by
 * `pnpm check` and run by the docs tests. A sample is marked in Markdown with
 * `<!-- sample: path/relative/to/the/markdown.ts -->` right before its ```ts block; this test fails
 * when a block and its file differ, so the docs can never show code that no longer compiles.
 */
import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

const markdownFiles = (): ReadonlyArray<string> => [
  join(root, "README.md"),
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f)),
  ...readdirSync(join(root, "packages"))
    .map((p) => join(root, "packages", p, "README.md"))
    .filter((f) => existsSync(f))
]

const samplePattern = /<!-- sample: (\S+) -->\s*```ts\n([\s\S]*?)```/g

const samples = markdownFiles().flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(samplePattern)].map((m) => ({
    markdown: relative(root, file),
    path: resolve(dirname(file), m[1] ?? ""),
    code: m[2] ?? ""
  }))
)

describe("docs samples", () => {
  it("there are samples to check", () => {
    expect(samples.length).toBeGreaterThan(0)
  })

  for (const sample of samples) {
    it(`${sample.markdown} shows ${relative(root, sample.path)} as it is`, () => {
      expect(existsSync(sample.path)).toBe(true)
      expect(sample.code.trim()).toBe(readFileSync(sample.path, "utf8").trim())
    })
  }

  it("every markdown ```ts block is a checked sample", () => {
    for (const file of markdownFiles()) {
      const text = readFileSync(file, "utf8")
      const blocks = text.match(/```ts\n/g)?.length ?? 0
      const marked = [...text.matchAll(samplePattern)].length
      expect({ file: relative(root, file), blocks }).toEqual({ file: relative(root, file), blocks: marked })
    }
  })
})
