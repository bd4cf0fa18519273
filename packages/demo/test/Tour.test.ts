import { describe, expect, it } from "@effect/vitest"
import { TourScript } from "@errata/reference"
import { Effect } from "effect"
import * as Tour from "../src/Tour.js"
import { checkServed } from "./openapi.js"
import { ClientLive, runServer } from "./support.js"

describe("the demo tour, end to end over loopback", () => {
  // Live clock: the tour's retries really wait (100 ms base), as a user's would.
  it.live("every case shows what it means to, every code travels, request IDs match the server's logs", () =>
    Effect.gen(function*() {
      const { running } = yield* runServer
      const rows = yield* Tour.run(running.baseUrl, running.keys).pipe(Effect.provide(ClientLive))

      // Every case its outcome, every code with its catalog status and tag, the drift case and
      // exhausted retries at `retry.times + 1` attempts, Retry-After waited out, non-transient codes
      // asked once (`TourScript.problems`, which the cross-edition tests hold every pairing to).
      expect(TourScript.problems(rows)).toStrictEqual([])

      // The request ID a client saw is the one the server logged the request under.
      const logged = new Set(running.logs.map((line) => line.requestId).filter((id) => id !== undefined))
      for (const row of rows.filter((r) => r.requestId !== "-")) expect(logged.has(row.requestId), row.label).toBe(true)

      // Every response the tour saw, faults included, is what the served OpenAPI document says.
      const report = yield* Effect.promise(() => checkServed(running.baseUrl, running.responses))
      expect(report.mismatches).toStrictEqual([])
      expect(report.checked).toBeGreaterThan(rows.length)
    }).pipe(Effect.scoped), 60_000)
})
