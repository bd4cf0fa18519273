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
 * bucket of 8 KB: the cap bounds the bytes, not only the entries.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type { Store } from "./rateLimit.js"

/** The default cap: about 20 MB of buckets on V8 (measured by the Effect 3 edition's tests). */
export const DEFAULT_MAX_BUCKETS = 100_000

/** Longer keys are kept as a digest; an API key or an address is far shorter. */
export const MAX_KEY_LENGTH = 256

/** How many spent entries one call drops at most: the work is spread over calls, never a pause. */
const SWEEP_PER_CALL = 64

/** `layerStoreMemory`'s adaptive constants: the grace an adaptive state outlives its window by, and the longest window. */
const ADAPTIVE_TTL_GRACE_MILLIS = 60_000
const ADAPTIVE_MAX_WINDOW_MILLIS = 60 * 60 * 1_000

const clampAdaptiveMillis = (millis: number): number =>
  Number.isNaN(millis) || millis <= 0 ? 1 : Math.min(millis, ADAPTIVE_MAX_WINDOW_MILLIS)

/** Links of the recency list: the head is the least recently used entry, the tail the most. */
interface Links {
  readonly key: string
  older: Entry | undefined
  newer: Entry | undefined
}

interface Bucket extends Links {
  readonly kind: "bucket"
  tokens: number
  lastRefill: number
  // The last call's parameters, to tell whether the bucket is full without a call.
  limit: number
  refillMillis: number
}

interface Window extends Links {
  readonly kind: "window"
  count: number
  expiresAt: number
}

interface Adaptive extends Links {
  readonly kind: "adaptive"
  phase: RateLimiter.AdaptivePhase
  epoch: number
  cooldownUntil: number
  learningStartedAt: number
  observedTokens: number
  learnedLimit: number
  learnedWindowMillis: number
  expiresAt: number
}

type Entry = Bucket | Window | Adaptive

/** @internal */
export interface MemoryStore {
  readonly store: Store
  /** How many token buckets, fixed windows and adaptive states are held. */
  readonly size: () => number
}

const tokensAt = (bucket: Bucket, now: number, refillMillis: number): number =>
  bucket.tokens + Math.floor((now - bucket.lastRefill) / refillMillis)

const isSpent = (entry: Entry, now: number): boolean =>
  entry.kind === "bucket" ? tokensAt(entry, now, entry.refillMillis) >= entry.limit : entry.expiresAt <= now

// FNV-1a, twice with different offsets: 64 bits, to keep apart the long keys of one process. Not a
// secret-keeping hash: the memory store never sends a key out of the process.
const fnv1a = (text: string, offset: number): string => {
  let hash = offset
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, "0")
}

// A prefix no key of `MAX_KEY_LENGTH` or fewer characters can collide with: the length comes first.
const boundKey = (key: string): string =>
  key.length <= MAX_KEY_LENGTH ? key : `#${key.length}:${fnv1a(key, 0x811c9dc5)}${fnv1a(key, 0x050c5d1f)}`

const inactive: RateLimiter.AdaptiveConsumeResult = { delay: Duration.zero, epoch: 0, phase: "inactive" }

/**
 * A memory store of at most `maxBuckets` token buckets, fixed windows and adaptive states
 * together, on Effect's `Clock`.
 *
 * @internal
 */
export const make = (maxBuckets: number): MemoryStore => {
  const entries = new Map<string, Entry>()
  // The order of use is a list of its own, not the map's insertion order: a map that is deleted
  // from and appended to on every call fills with holes its iterators walk over, one call in the
  // hundreds of microseconds at 100,000 entries.
  let oldest: Entry | undefined
  let newest: Entry | undefined

  const unlink = (entry: Entry) => {
    if (entry.older === undefined) oldest = entry.newer
    else entry.older.newer = entry.newer
    if (entry.newer === undefined) newest = entry.older
    else entry.newer.older = entry.older
    entry.older = undefined
    entry.newer = undefined
  }

  const drop = (entry: Entry) => {
    unlink(entry)
    entries.delete(entry.key)
  }

  // The spent entries gather at the old end: a few are dropped on each call, never a pause.
  const sweep = (now: number) => {
    for (let dropped = 0; dropped < SWEEP_PER_CALL && oldest !== undefined && isSpent(oldest, now); dropped++) {
      drop(oldest)
    }
  }

  const keep = (entry: Entry) => {
    if (entries.get(entry.key) === entry) {
      if (entry === newest) return
      unlink(entry)
    } else {
      const replaced = entries.get(entry.key)
      if (replaced !== undefined) unlink(replaced)
      entries.set(entry.key, entry)
    }
    entry.older = newest
    if (newest === undefined) oldest = entry
    else newest.newer = entry
    newest = entry
    while (entries.size > maxBuckets && oldest !== undefined) drop(oldest)
  }

  const forget = (key: string) => {
    const entry = entries.get(key)
    if (entry !== undefined) drop(entry)
  }

  // Token buckets, fixed windows and adaptive states live in one map and one cap; the prefix keeps
  // a key used with several of them apart, as the three maps of `layerStoreMemory` do.
  const tokenBucket: Store["tokenBucket"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.currentTimeMillisUnsafe()
        sweep(now)
        const refillMillis = Duration.toMillis(options.refillRate)
        const key = "b" + boundKey(options.key)
        const found = entries.get(key)
        let bucket: Bucket
        if (found?.kind === "bucket" && tokensAt(found, now, refillMillis) < options.limit) {
          bucket = found
          // `layerStoreMemory`'s refill: whole tokens, the rest of an interval kept for the next one.
          const tokensToAdd = Math.floor((now - bucket.lastRefill) / refillMillis)
          if (tokensToAdd > 0) {
            bucket.tokens += tokensToAdd
            bucket.lastRefill += tokensToAdd * refillMillis
          }
        } else {
          // A full bucket is the same as a new one, and is answered as one: its interval starts now.
          bucket = {
            kind: "bucket",
            key,
            older: undefined,
            newer: undefined,
            tokens: options.limit,
            lastRefill: now,
            limit: options.limit,
            refillMillis
          }
        }
        bucket.limit = options.limit
        bucket.refillMillis = refillMillis
        const newTokenCount = bucket.tokens - options.tokens
        if (options.allowOverflow || newTokenCount >= 0) bucket.tokens = newTokenCount
        const elapsedMillis = Math.max(0, now - bucket.lastRefill)
        if (bucket.tokens >= options.limit) forget(key)
        else keep(bucket)
        const answer: readonly [remaining: number, elapsedMillis: number] = [newTokenCount, elapsedMillis]
        return answer
      })
    )

  const counted = (count: number, ttl: number): readonly [count: number, ttl: number] => [count, ttl]

  const fixedWindow: Store["fixedWindow"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.currentTimeMillisUnsafe()
        sweep(now)
        const refillMillis = Duration.toMillis(options.refillRate)
        const key = "w" + boundKey(options.key)
        const found = entries.get(key)
        if (found !== undefined && isSpent(found, now)) forget(key)
        const window: Window = found?.kind === "window" && found.expiresAt > now
          ? found
          : { kind: "window", key, older: undefined, newer: undefined, count: 0, expiresAt: now }
        // `layerStoreMemory` reads a limit of 0 as none, and so does this store.
        if (options.limit && window.count + options.tokens > options.limit) {
          // A refused call is a use too: the client being refused is the last to lose its window.
          if (window.expiresAt > now) keep(window)
          return counted(window.count + options.tokens, window.expiresAt - now)
        }
        window.count += options.tokens
        window.expiresAt += refillMillis * options.tokens
        if (window.expiresAt <= now) forget(key)
        else keep(window)
        return counted(window.count, window.expiresAt - now)
      })
    )

  /** The adaptive state of `key`, if it has one that has not expired (an expired one is dropped). */
  const adaptiveState = (key: string, now: number): Adaptive | undefined => {
    const found = entries.get(key)
    if (found?.kind !== "adaptive") return undefined
    if (found.expiresAt <= now) {
      forget(key)
      return undefined
    }
    return found
  }

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
        sweep(now)
        const key = "a" + boundKey(options.key)
        const state = adaptiveState(key, now)
        if (state === undefined) return inactive
        keep(state)
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
        sweep(now)
        const cooldownUntil = now + retryAfterMillis
        const key = "a" + boundKey(options.key)
        const state = adaptiveState(key, now)
        if (state === undefined) {
          if (options.epoch !== 0) return
          const fresh: Adaptive = {
            kind: "adaptive",
            key,
            older: undefined,
            newer: undefined,
            phase: "cooldown",
            epoch: 0,
            cooldownUntil,
            learningStartedAt: 0,
            observedTokens: 0,
            learnedLimit: 0,
            learnedWindowMillis: 0,
            expiresAt: cooldownUntil + ADAPTIVE_TTL_GRACE_MILLIS
          }
          keep(fresh)
          return
        }
        if (state.epoch !== options.epoch) return
        keep(state)
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
    size: () => entries.size
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
