/**
 * The fault switch: makes the next N requests (of one API key, or of anyone) fail the way real
 * outages do, so the tour and the load test can show retries recovering.
 */
import { Catalog } from "@errata/core"
import { FaultKinds } from "@errata/reference"
import { Context, Effect, Layer, Random, Ref, Schema } from "effect"

/** The ways a request can be made to fail; `error` answers with the catalog error `code` names. */
export const FaultKind = Schema.Literal(...FaultKinds.kinds)
export type FaultKind = typeof FaultKind.Type

/** A fault armed for the next `count` requests; `key` limits it to one API key. */
export const Fault = Schema.Struct({
  kind: FaultKind,
  count: Schema.Int.pipe(Schema.between(1, 100_000)),
  key: Schema.optional(Schema.String),
  /** For `error`: the catalog code to answer with (`INTERNAL_ERROR` when absent). */
  code: Schema.optional(Schema.Literal(...Catalog.codes)),
  /** For `error`: the message to answer with (`Injected error` when absent). */
  message: Schema.optional(Schema.String.pipe(Schema.maxLength(1000))),
  /** For `error`: the `details` to answer with. */
  details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /** For `rateLimited`: the Retry-After the response names, in seconds. */
  retryAfterSeconds: Schema.optional(Schema.Int.pipe(Schema.between(1, 3600))),
  /** Fail only this share of requests (0–1] instead of every one, for load tests. */
  probability: Schema.optional(Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1)))
})
export type Fault = typeof Fault.Type

interface Armed {
  readonly fault: Fault
  remaining: number
}

/** The switch: arm faults, and ask whether the current request should fail. */
export class Faults extends Context.Tag("@errata/demo/Faults")<Faults, {
  readonly arm: (fault: Fault) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
  /** Consumes one armed fault that applies to this key, if any. */
  readonly take: (key: string | undefined) => Effect.Effect<Fault | undefined>
  readonly injected: Effect.Effect<number>
}>() {
  static readonly layer = Layer.effect(
    Faults,
    Effect.gen(function*() {
      const armed = yield* Ref.make<ReadonlyArray<Armed>>([])
      const injected = yield* Ref.make(0)
      return {
        arm: (fault) => Ref.update(armed, (list) => [...list, { fault, remaining: fault.count }]),
        clear: Ref.set(armed, []),
        take: (key) =>
          Effect.gen(function*() {
            const list = yield* Ref.get(armed)
            // Each armed fault that applies gets its own roll, so several can share the traffic.
            for (const entry of list) {
              if (entry.remaining <= 0 || (entry.fault.key !== undefined && entry.fault.key !== key)) continue
              const probability = entry.fault.probability ?? 1
              if (probability < 1 && (yield* Random.next) >= probability) continue
              entry.remaining -= 1
              if (entry.remaining === 0) yield* Ref.update(armed, (current) => current.filter((a) => a !== entry))
              yield* Ref.update(injected, (n) => n + 1)
              return entry.fault
            }
            return undefined
          }),
        injected: Ref.get(injected)
      }
    })
  )
}
