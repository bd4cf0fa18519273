import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ApiClient, Envelope } from "@errata/client"
import { ApiError } from "@errata/core"
import { Effect, Schema } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { Contact } from "../src/Domain.js"
import { Faults } from "../src/Faults.js"
import { Keys } from "../src/Keys.js"
import { Scopes } from "@errata/reference"
import { expectDocumented } from "./openapi.js"
import { ClientLive, runServer } from "./support.js"

// A collection on demand, so "memory stays flat" is measured on live objects, not on garbage.
setFlagsFromString("--expose-gc")
const collectGarbage: () => void = runInNewContext("gc")
const heapMb = () => {
  collectGarbage()
  return process.memoryUsage().heapUsed / 1024 / 1024
}

const FIBERS = 50
const PER_FIBER = 100 // 5,000 logical requests in all

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

describe("load with faults", () => {
  it.live("5,000 requests from 50 fibers with 20% transient faults: none lost, none duplicated, memory flat", () =>
    Effect.gen(function*() {
      const { running, context } = yield* runServer
      const { key } = yield* Effect.flatMap(Keys, (keys) => keys.issue("load", Scopes.all, "unlimited")).pipe(
        Effect.provide(context)
      )
      // 20% of requests fail transiently, in four ways; each armed fault gets its own roll.
      const faults = yield* Effect.provide(Faults, context)
      yield* faults.arm({ kind: "unavailable", count: 100_000, probability: 0.1 })
      yield* faults.arm({ kind: "internal", count: 100_000, probability: 0.04 / 0.9 })
      yield* faults.arm({ kind: "htmlBadGateway", count: 100_000, probability: 0.03 / 0.86 })
      yield* faults.arm({ kind: "dropConnection", count: 100_000, probability: 0.03 / 0.83 })

      const base = yield* HttpClient.HttpClient
      let sent = 0
      const counting = HttpClient.transform(base, (effect) => Effect.zipRight(Effect.sync(() => void sent++), effect))
      const client = ApiClient.fromHttpClient(counting, {
        baseUrl: running.baseUrl,
        apiKey: key,
        // The retry budget is off here: it is meant to cap retries in an outage (tested with the
        // client), and 20% faults on purpose would spend it; this test is about exactly-once.
        retry: { times: 5, base: "5 millis", maxDelay: "100 millis", retryBudget: false }
      })

      let creates = 0
      let succeeded = 0
      const typedFailures: Array<string> = []
      const latencies: Array<number> = []
      const logical = (fiber: number, i: number) => {
        const request = i % 2 === 0
          ? HttpClientRequest.post("/contacts").pipe(
            HttpClientRequest.bodyUnsafeJson({ name: `Load ${fiber}-${i}`, email: `load-${fiber}-${i}@example.com` })
          )
          : HttpClientRequest.get(`/contacts?limit=5&offset=${i}`)
        const started = performance.now()
        return client.execute(request).pipe(
          Effect.flatMap((response) => (response.status === 201 ? Effect.sync(() => void creates++) : Effect.void)),
          Effect.matchEffect({
            onSuccess: () => Effect.sync(() => void succeeded++),
            onFailure: (error) => Effect.sync(() => void typedFailures.push(ApiError.isAny(error) ? error._tag : error._tag))
          }),
          Effect.ensuring(Effect.sync(() => void latencies.push(performance.now() - started)))
        )
      }
      const phase = (from: number, to: number) =>
        Effect.forEach(
          Array.from({ length: FIBERS }, (_, fiber) => fiber),
          (fiber) => Effect.forEach(Array.from({ length: to - from }, (_, k) => from + k), (i) => logical(fiber, i), { discard: true }),
          { concurrency: FIBERS, discard: true }
        )

      const started = performance.now()
      yield* phase(0, PER_FIBER / 2)
      const heapAfterHalf = heapMb()
      yield* phase(PER_FIBER / 2, PER_FIBER)
      const heapAtEnd = heapMb()
      const seconds = (performance.now() - started) / 1000

      const total = FIBERS * PER_FIBER
      // Every logical request is accounted for: a success or a typed error, nothing lost.
      expect(succeeded + typedFailures.length).toBe(total)
      expect(latencies.length).toBe(total)
      for (const tag of typedFailures) expect(["ServiceUnavailable", "InternalError", "UnexpectedResponse", "RequestError"]).toContain(tag)
      // A logical request fails only if six attempts in a row do (0.2^6 ≈ 6e-5 of them).
      expect(succeeded).toBeGreaterThanOrEqual(total - 10)

      // No create ran twice: retried creates carried one idempotency key, so the store holds exactly
      // the creates that succeeded.
      const admin = ApiClient.fromHttpClient(base, { baseUrl: running.baseUrl, apiKey: running.keys.admin.key, retry: false })
      yield* faults.clear
      const page = yield* admin.execute(HttpClientRequest.get("/contacts?limit=1")).pipe(
        Effect.flatMap(Envelope.decode(Schema.Array(Contact)))
      )
      expect(page.meta.pagination?.total).toBe(creates)

      // Memory stays flat: the second half of the run adds (almost) nothing that stays alive.
      expect(heapAtEnd - heapAfterHalf).toBeLessThan(16)

      const sorted = [...latencies].sort((a, b) => a - b)
      const injected = yield* faults.injected
      console.log(
        `load: ${total} logical requests in ${seconds.toFixed(1)} s = ${(total / seconds).toFixed(0)} req/s; ` +
          `${sent} sent (${sent - total} retries, ${injected} faults injected); ` +
          `p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms; ` +
          `${typedFailures.length} typed failures (${[...new Set(typedFailures)].join(", ")}); heap ${heapAfterHalf.toFixed(1)} → ${heapAtEnd.toFixed(1)} MB`
      )
      expect(sent - total).toBeGreaterThan(total * 0.1)
      // Every answer it got, faults included, is one the served OpenAPI document lists.
      yield* expectDocumented(running)
    }).pipe(Effect.scoped, Effect.provide(ClientLive)), 120_000)
})
