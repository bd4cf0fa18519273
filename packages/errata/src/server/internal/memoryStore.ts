/**
 * The memory `RateLimiterStore` behind `RateLimit.layerMemory`.
 *
 * Why not `effect/persistence`'s `layerStoreMemory`: it keeps a bucket for every key it has ever
 * seen, for the life of the process, so a caller who sprays made-up API keys or IPv6 addresses
 * grows the heap without bound. This store answers every call as that one does and holds at most
 * `maxBuckets` entries:
 *
 * - a token bucket that has refilled completely is the same as a new one (`layerStoreMemory`
 *   restarts the refill interval of a full bucket too), so it is dropped: once full after a call,
 *   or found full at the old end of the recency list;
 * - a fixed window that has ended is the same as none (`layerStoreMemory` resets it too), so it is
 *   dropped;
 * - adaptive state (what `HttpClient.withRateLimiter` learns from a server's 429s) expires as
 *   `layerStoreMemory`'s does, and an expired one is dropped;
 * - beyond `maxBuckets`, the least recently used entries are evicted: the bucket of a client who
 *   keeps calling is the last to go. An evicted bucket that was not full is forgotten: its client
 *   starts again from a full one. That is the price of a bound, and why the cap is high.
 *
 * Keys longer than `MAX_KEY_LENGTH` are kept as a digest, so a bearer key of 8 KB does not make a
 * bucket of 8 KB: the cap bounds the bytes, not only the entries. The table, its arithmetic and its
 * eviction are `@errata/dialect`'s `TokenBuckets`, shared with the Effect 3 edition; this file
 * reads Effect's `Clock` and `Duration`s into it, and keeps the adaptive state machine (Effect 4's
 * own) as the table's own entries.
 *
 * @internal
 */
import * as TokenBuckets from "@errata/dialect/TokenBuckets"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type { Store } from "./rateLimit.js"

/** The default cap: about 20 MB of buckets on V8 (measured by the Effect 3 edition's tests). */
export const DEFAULT_MAX_BUCKETS = TokenBuckets.DEFAULT_MAX_BUCKETS

/** Longer keys are kept as a digest; an API key or an address is far shorter. */
export const MAX_KEY_LENGTH = TokenBuckets.MAX_KEY_LENGTH

/** `layerStoreMemory`'s adaptive constants: the grace an adaptive state outlives its window by, and the longest window. */
const ADAPTIVE_TTL_GRACE_MILLIS = 60_000
const ADAPTIVE_MAX_WINDOW_MILLIS = 60 * 60 * 1_000

const clampAdaptiveMillis = (millis: number): number =>
  Number.isNaN(millis) || millis <= 0 ? 1 : Math.min(millis, ADAPTIVE_MAX_WINDOW_MILLIS)

/** An adaptive state, the table's own entry: dropped once `expiresAt` has passed. */
interface Adaptive {
  phase: RateLimiter.AdaptivePhase
  epoch: number
  cooldownUntil: number
  learningStartedAt: number
  observedTokens: number
  learnedLimit: number
  learnedWindowMillis: number
  expiresAt: number
}

/** @internal */
export interface MemoryStore {
  readonly store: Store
  /** How many token buckets, fixed windows and adaptive states are held. */
  readonly size: () => number
}

const inactive: RateLimiter.AdaptiveConsumeResult = { delay: Duration.zero, epoch: 0, phase: "inactive" }

/**
 * A memory store of at most `maxBuckets` token buckets, fixed windows and adaptive states
 * together, on Effect's `Clock`.
 *
 * @internal
 */
export const make = (maxBuckets: number): MemoryStore => {
  const table = TokenBuckets.make<Adaptive>(maxBuckets)

  const tokenBucket: Store["tokenBucket"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() =>
        table.tokenBucket({
          key: options.key,
          tokens: options.tokens,
          limit: options.limit,
          refillMillis: Duration.toMillis(options.refillRate),
          allowOverflow: options.allowOverflow
        }, clock.currentTimeMillisUnsafe())
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
        }, clock.currentTimeMillisUnsafe())
      )
    )

  const toCooldown = (state: Adaptive, cooldownUntil: number) => {
    state.phase = "cooldown"
    state.cooldownUntil = cooldownUntil
    state.learningStartedAt = 0
    state.observedTokens = 0
    state.learnedLimit = 0
    state.learnedWindowMillis = 0
    state.expiresAt = cooldownUntil + ADAPTIVE_TTL_GRACE_MILLIS
  }

  // `layerStoreMemory`'s adaptive state machine, step for step: inactive until a 429 with a wait
  // is fed back, then cooldown (wait it out), learning (count what gets through), learned (pace
  // to the learned limit per learned window), back to cooldown at the next 429.
  const adaptiveConsume: Store["adaptiveConsume"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync((): RateLimiter.AdaptiveConsumeResult => {
        const now = clock.currentTimeMillisUnsafe()
        // An expired state is dropped and not found.
        const state = table.find(options.key, now)
        if (state === undefined) return inactive
        table.keep(options.key, state)
        switch (state.phase) {
          case "cooldown": {
            if (state.cooldownUntil > now) {
              return { delay: Duration.millis(state.cooldownUntil - now), epoch: state.epoch, phase: "cooldown" }
            }
            state.phase = "learning"
            state.epoch += 1
            state.learningStartedAt = now
            state.observedTokens = options.tokens
            state.expiresAt = now + Duration.toMillis(options.fallbackWindow) + ADAPTIVE_TTL_GRACE_MILLIS
            return { delay: Duration.zero, epoch: state.epoch, phase: "learning" }
          }
          case "learning": {
            state.observedTokens += options.tokens
            return { delay: Duration.zero, epoch: state.epoch, phase: "learning" }
          }
          case "learned": {
            const refillMillis = state.learnedWindowMillis / state.learnedLimit
            if (state.cooldownUntil <= now) {
              state.observedTokens = 0
              state.cooldownUntil = now
            }
            state.observedTokens += options.tokens
            state.cooldownUntil += refillMillis * options.tokens
            const ttl = state.cooldownUntil - now
            const elapsed = state.observedTokens * refillMillis - ttl
            const windowNumber = Math.floor((state.observedTokens - 1) / state.learnedLimit)
            const remaining = windowNumber * state.learnedWindowMillis - elapsed
            return {
              delay: remaining <= 0 ? Duration.zero : Duration.millis(remaining),
              epoch: state.epoch,
              phase: "learned"
            }
          }
          default:
            return { delay: Duration.zero, epoch: state.epoch, phase: state.phase }
        }
      })
    )

  const adaptiveFeedback: Store["adaptiveFeedback"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        if (options.status !== 429 || options.retryAfter === undefined) return
        const retryAfterMillis = clampAdaptiveMillis(Duration.toMillis(options.retryAfter))
        const now = clock.currentTimeMillisUnsafe()
        const state = table.find(options.key, now)
        const cooldownUntil = now + retryAfterMillis
        if (state === undefined) {
          if (options.epoch !== 0) return
          const fresh: Adaptive = {
            phase: "cooldown",
            epoch: 0,
            cooldownUntil,
            learningStartedAt: 0,
            observedTokens: 0,
            learnedLimit: 0,
            learnedWindowMillis: 0,
            expiresAt: cooldownUntil + ADAPTIVE_TTL_GRACE_MILLIS
          }
          table.keep(options.key, fresh)
          return
        }
        if (state.epoch !== options.epoch) return
        table.keep(options.key, state)
        switch (state.phase) {
          case "cooldown": {
            state.cooldownUntil = Math.max(state.cooldownUntil, cooldownUntil)
            state.expiresAt = state.cooldownUntil + ADAPTIVE_TTL_GRACE_MILLIS
            return
          }
          case "learning": {
            const acceptedTokens = state.observedTokens - options.tokens
            if (acceptedTokens <= 0) return toCooldown(state, cooldownUntil)
            const learnedWindowMillis = clampAdaptiveMillis(now - state.learningStartedAt + retryAfterMillis)
            state.phase = "learned"
            state.epoch += 1
            state.cooldownUntil = state.learningStartedAt + learnedWindowMillis
            state.observedTokens = acceptedTokens
            state.learnedLimit = acceptedTokens
            state.learnedWindowMillis = learnedWindowMillis
            state.expiresAt = now + learnedWindowMillis + ADAPTIVE_TTL_GRACE_MILLIS
            return
          }
          case "learned":
            return toCooldown(state, cooldownUntil)
          default:
            return
        }
      })
    )

  return {
    store: RateLimiter.RateLimiterStore.of({ tokenBucket, fixedWindow, adaptiveConsume, adaptiveFeedback }),
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
      : Effect.die(new Error(`the memory rate-limit store: maxBuckets must be a positive integer, not ${maxBuckets}`))
  )
