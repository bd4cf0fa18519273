/**
 * The memory `RateLimiterStore` behind `RateLimit.layerMemory`.
 *
 * Why not `@effect/experimental`'s `layerStoreMemory`: it keeps a bucket for every key it has
 * ever seen, for the life of the process, so a caller who sprays made-up API keys or IPv6
 * addresses grows the heap without bound. This store answers every call as that one does, with
 * one deliberate difference, and holds at most `maxBuckets` entries:
 *
 * - a token bucket that has refilled completely is the same as a new one, so it is dropped (once
 *   full after a call, or found full at the old end of the recency list); the difference is that
 *   the time a bucket spends full is not banked towards its next refill (`layerStoreMemory` keeps
 *   the fraction of a refill period that passed, the textbook token bucket does not), which is
 *   never more lenient;
 * - a fixed window that has ended is the same as none (`layerStoreMemory` resets it too), so it is
 *   dropped;
 * - beyond `maxBuckets`, the least recently used entries are evicted: the bucket of a client who
 *   keeps calling is the last to go. An evicted bucket that was not full is forgotten: its client
 *   starts again from a full one. That is the price of a bound, and why the cap is high.
 *
 * Keys longer than `MAX_KEY_LENGTH` are kept as a digest, so a bearer key of 8 KB does not make a
 * bucket of 8 KB: the cap bounds the bytes, not only the entries. The table, its arithmetic and its
 * eviction are `@errata/dialect`'s `TokenBuckets`, shared with the Effect 4 edition; this file
 * reads Effect's `Clock` and `Duration`s into it.
 *
 * @internal
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as TokenBuckets from "@errata/dialect/TokenBuckets"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

type Store = Context.Tag.Service<typeof RateLimiter.RateLimiterStore>

/** The default cap: about 20 MB of buckets on V8 (measured in test/RateLimitHostile.test.ts). */
export const DEFAULT_MAX_BUCKETS = TokenBuckets.DEFAULT_MAX_BUCKETS

/** Longer keys are kept as a digest; an API key or an address is far shorter. */
export const MAX_KEY_LENGTH = TokenBuckets.MAX_KEY_LENGTH

/** @internal */
export interface MemoryStore {
  readonly store: Store
  /** How many token buckets and fixed windows are held. */
  readonly size: () => number
}

/**
 * A memory store of at most `maxBuckets` token buckets and fixed windows together, on Effect's
 * `Clock`.
 *
 * @internal
 */
export const make = (maxBuckets: number): MemoryStore => {
  const table = TokenBuckets.make(maxBuckets)

  const tokenBucket: Store["tokenBucket"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() =>
        table.tokenBucket({
          key: options.key,
          tokens: options.tokens,
          limit: options.limit,
          refillMillis: Duration.toMillis(options.refillRate),
          allowOverflow: options.allowOverflow
        }, clock.unsafeCurrentTimeMillis())[0]
      )
    )

  const fixedWindow: Store["fixedWindow"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() =>
        table.fixedWindow({
          key: options.key,
          tokens: options.tokens,
          limit: options.limit,
          refillMillis: Duration.toMillis(options.refillRate)
        }, clock.unsafeCurrentTimeMillis())
      )
    )

  return {
    store: RateLimiter.RateLimiterStore.of({ tokenBucket, fixedWindow }),
    size: table.size
  }
}

/**
 * The store as a layer, one per build; a cap that is not a positive integer is a defect.
 *
 * @internal
 */
export const layer = (maxBuckets: number): Layer.Layer<RateLimiter.RateLimiterStore> =>
  Layer.effect(
    RateLimiter.RateLimiterStore,
    Number.isSafeInteger(maxBuckets) && maxBuckets > 0
      ? Effect.sync(() => make(maxBuckets).store)
      : Effect.dieMessage(`the memory rate-limit store: maxBuckets must be a positive integer, not ${maxBuckets}`)
  )
