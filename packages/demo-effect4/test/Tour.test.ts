/**
 * The tour, end to end over loopback on the live clock: every case shows what it means to, every
 * code of the catalog travels with its status and tag, retries go as the script says, and the
 * request IDs the client saw are the ones the server logged the requests under.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Catalog } from "errata"
import * as Tour from "../src/Tour.js"
import { ClientLive, runServer } from "./support.js"

describe("the Effect 4 tour, end to end over loopback", () => {
  // Live clock: the tour's retries really wait (100 ms base), as a user's would.
  it.live("every case shows what it means to, every code travels, request IDs match the server's logs", () =>
    Effect.gen(function*() {
      const running = yield* runServer
      const rows = yield* Tour.run(running.baseUrl, running.keys).pipe(Effect.provide(ClientLive))

      for (const row of rows) expect({ label: row.label, tag: row.tag }).toEqual({ label: row.label, tag: row.expected })

      // All twelve codes, each with its catalog status and tag.
      const seen = new Map(rows.filter((r) => r.code !== "-").map((r) => [r.code, r]))
      for (const entry of Catalog.all) {
        const row = seen.get(entry.code)
        expect(row, entry.code).toBeDefined()
        expect(row?.status).toBe(entry.status)
        expect(row?.tag).toBe(entry.tag)
      }
      // The drift case: a proxy's HTML page is an UnexpectedResponse, retried, never a defect.
      const drift = rows.find((r) => r.tag === "UnexpectedResponse")
      expect(drift?.status).toBe(502)
      expect(drift?.attempts).toBe(Tour.tourRetry.times + 1)

      // Transient failures are retried: exhausted ones made times + 1 attempts, recoveries succeeded.
      for (const row of rows.filter((r) => r.recovered !== undefined)) {
        if (row.recovered === true) expect(row.attempts).toBeGreaterThan(1)
        else expect(row.attempts).toBe(Tour.tourRetry.times + 1)
      }
      const retryAfter = rows.find((r) => r.label.includes("Retry-After"))
      expect(retryAfter?.millis).toBeGreaterThanOrEqual(1000)

      // Non-transient codes are asked once.
      for (const row of rows.filter((r) => Catalog.byCode(r.code)?.transient === false)) {
        expect(row.attempts, row.label).toBe(1)
      }

      // The request ID a client saw is the one the server logged the request under.
      const logged = new Set(running.logs.map((line) => line.requestId).filter((id) => id !== undefined))
      for (const row of rows.filter((r) => r.requestId !== "-")) expect(logged.has(row.requestId), row.label).toBe(true)
    }).pipe(Effect.scoped), 60_000)
})
