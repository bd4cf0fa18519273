/**
 * A person's view of the docs page: headless Chromium (Debian's package) loads `/docs`, and the
 * page must list the endpoints and their error responses. The screenshot is kept under
 * packages/demo/test-output/ to look at. Without Chromium the test fails, saying how to install it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { delimiter, join } from "node:path"
import { chromium } from "playwright-core"
import { type Edition, serve } from "./editions.js"
import { runServer } from "./support.js"

// The Chromium `pnpm test` makes sure of (scripts/test-prerequisites.sh): the first on the PATH.
const executablePath = (process.env["PATH"] ?? "").split(delimiter).flatMap((dir) =>
  ["chromium", "chromium-browser"].map((name) => join(dir, name))
).find((path) => existsSync(path))
const outputDir = fileURLToPath(new URL("../test-output/", import.meta.url))

// What a reader of `baseUrl`'s docs page sees, checked; the screenshots are named by `edition`.
const readDocsPage = (edition: Edition, baseUrl: string) =>
  Effect.gen(function*() {
    // The test command installs Chromium, so its absence is a broken set-up, not a reason to check nothing.
    if (executablePath === undefined) {
      return expect.fail("Chromium is not installed: apt-get install chromium (`pnpm test` does this where it can)")
    }
    const browser = yield* Effect.acquireRelease(
      Effect.promise(() =>
        chromium.launch({
          executablePath,
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync"
          ]
        })
      ),
      (browser) => Effect.promise(() => browser.close())
    )
    const page = yield* Effect.promise(() => browser.newPage({ viewport: { width: 1400, height: 1000 } }))
    yield* Effect.promise(() => page.goto(`${baseUrl}/docs`, { waitUntil: "load" }))
    // Scalar renders client-side, the sidebar first: wait until the title and operations are there.
    yield* Effect.promise(() =>
      page.waitForFunction(
        () => document.body.innerText.includes("errata reference API") && document.body.innerText.includes("/messages"),
        undefined,
        { timeout: 20_000 }
      )
    )
    const overview = yield* Effect.promise(() => page.evaluate(() => document.body.innerText))
    mkdirSync(outputDir, { recursive: true })
    // The page's text beside its screenshot, to see what a reader (or a search engine) gets.
    writeFileSync(`${outputDir}${edition}-docs-page.txt`, overview)
    yield* Effect.promise(() => page.screenshot({ path: `${outputDir}${edition}-docs-page.png` }))
    expect(overview).toContain("errata reference API")
    for (const path of ["/contacts", "/businesses", "/messages"]) expect(overview).toContain(path)
    // It reads like an API's reference: operations by their summaries, tags with descriptions,
    // the license and the server.
    // (Scalar opens the first group; the others show their descriptions.)
    for (
      const text of [
        "Create a contact",
        "Delete a contact",
        "Search contacts",
        "The people a business talks to",
        "The organisations that own the conversations",
        "Messages sent to a contact",
        "MIT",
        "The server that serves this document",
        baseUrl
      ]
    ) expect(overview).toContain(text)

    // One operation, opened as a reader would: its error responses are listed by status.
    yield* Effect.promise(() => page.getByText("/contacts/search").first().click())
    const statuses = ["400", "401", "403", "404", "429", "500", "503"]
    yield* Effect.promise(() =>
      page.waitForFunction(
        (expected) => document.body.innerText.includes("MISSING_QUERY") && expected.every((s) => document.body.innerText.includes(s)),
        statuses,
        { timeout: 20_000 }
      )
    )
    const operation = yield* Effect.promise(() => page.evaluate(() => document.body.innerText))
    yield* Effect.promise(() => page.screenshot({ path: `${outputDir}${edition}-docs-operation.png` }))
    for (const status of statuses) expect(operation).toContain(status)
    expect(existsSync(`${outputDir}${edition}-docs-page.png`)).toBe(true)
  })

describe("the docs page in a browser", () => {
  it.live("Chromium renders /docs with the endpoints and the error responses", () =>
    Effect.gen(function*() {
      const { running } = yield* runServer
      yield* readDocsPage("effect3", running.baseUrl)
    }).pipe(Effect.scoped), 60_000)

  it.live("the Effect 4 edition's /docs reads the same", () =>
    Effect.gen(function*() {
      const served = yield* serve("effect4")
      yield* readDocsPage("effect4", served.baseUrl)
    }).pipe(Effect.scoped), 90_000)
})
