/**
 * The fault switch: makes the next N requests (of one API key, or of anyone) fail the way real
 * outages do, so the tour and the load test can show retries recovering.
 */
import { FaultKinds } from "@errata/reference"
import { Context, Effect, Layer, Random, Ref, Schema } from "effect"
import { Catalog } from "errata"

/** The ways a request can be made to fail; `error` answers with the catalog error `code` names. */
export const FaultKind = Schema.Literals(FaultKinds.kinds)
/** A kind of fault. */
export type FaultKind = typeof FaultKind.Type

/** A fault armed for the next `count` requests; `key` limits it to one API key. */
export const Fault = Schema.Struct({
  kind: FaultKind,
  count: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100_000 })),
  key: Schema.optionalKey(Schema.String),
  /** For `error`: the catalog code to answer with (`INTERNAL_ERROR` when absent). */
  code: Schema.optionalKey(Schema.Literals(Catalog.codes)),
  /** For `error`: the message to answer with (`Injected error` when absent). */
  message: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(1000))),
  /** For `error`: the `details` to answer with. */
  details: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  /** For `rateLimited`: the Retry-After the response names, in seconds. */
  retryAfterSeconds: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 3600 }))),
  /** Fail only this share of requests (0–1] instead of every one, for load tests. */
  probability: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1)))
})
/** A fault, as the switch holds it. */
export type Fault = typeof Fault.Type

interface Armed {
  readonly fault: Fault
  remaining: number
}

/** The switch: arm faults, and ask whether the current request should fail. */
export class Faults extends Context.Service<Faults, {
  readonly arm: (fault: Fault) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
  /** Consumes one armed fault that applies to this key, if any. */
  readonly take: (key: string | undefined) => Effect.Effect<Fault | undefined>
  readonly injected: Effect.Effect<number>
}>()("@errata/demo-effect4/Faults") {
  /** An empty switch, in process memory. */
  static readonly layer = Layer.effect(
    Faults,
    Effect.gen(function*() {
      const armed = yield* Ref.make<ReadonlyArray<Armed>>([])
      const injected = yield* Ref.make(0)
      return Faults.of({
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
      })
    })
  )
}
