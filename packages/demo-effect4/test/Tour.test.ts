/**
 * The tour, end to end over loopback on the live clock: every case shows what it means to, every
 * code of the catalog travels with its status and tag, retries go as the script says, and the
 * request IDs the client saw are the ones the server logged the requests under.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TourScript } from "@errata/reference"
import * as Tour from "../src/Tour.js"
import { ClientLive, runServer } from "./support.js"

describe("the Effect 4 tour, end to end over loopback", () => {
  // Live clock: the tour's retries really wait (100 ms base), as a user's would.
  it.live("every case shows what it means to, every code travels, request IDs match the server's logs", () =>
    Effect.gen(function*() {
      const running = yield* runServer
      const rows = yield* Tour.run(running.baseUrl, running.keys).pipe(Effect.provide(ClientLive))

      // Every case its outcome, every code with its catalog status and tag, the drift case and
      // exhausted retries at `retry.times + 1` attempts, Retry-After waited out, non-transient codes
      // asked once (`TourScript.problems`, which the cross-edition tests hold every pairing to).
      expect(TourScript.problems(rows)).toStrictEqual([])

      // The request ID a client saw is the one the server logged the request under.
      const logged = new Set(running.logs.map((line) => line.requestId).filter((id) => id !== undefined))
      for (const row of rows.filter((r) => r.requestId !== "-")) expect(logged.has(row.requestId), row.label).toBe(true)
    }).pipe(Effect.scoped), 60_000)
})
