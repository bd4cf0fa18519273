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
 * bucket of 8 KB: the cap bounds the bytes, not only the entries.
 *
 * @internal
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

type Store = Context.Tag.Service<typeof RateLimiter.RateLimiterStore>

/** The default cap: about 20 MB of buckets on V8 (measured in test/RateLimitHostile.test.ts). */
export const DEFAULT_MAX_BUCKETS = 100_000

/** Longer keys are kept as a digest; an API key or an address is far shorter. */
export const MAX_KEY_LENGTH = 256

/** How many spent entries one call drops at most: the work is spread over calls, never a pause. */
const SWEEP_PER_CALL = 64

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

type Entry = Bucket | Window

/** @internal */
export interface MemoryStore {
  readonly store: Store
  /** How many token buckets and fixed windows are held. */
  readonly size: () => number
}

const tokensAt = (bucket: Bucket, now: number, refillMillis: number): number =>
  bucket.tokens + Math.floor((now - bucket.lastRefill) / refillMillis)

const isSpent = (entry: Entry, now: number): boolean =>
  entry.kind === "window" ? entry.expiresAt <= now : tokensAt(entry, now, entry.refillMillis) >= entry.limit

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

/**
 * A memory store of at most `maxBuckets` token buckets and fixed windows together, on Effect's
 * `Clock`.
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

  // Token buckets and fixed windows live in one map and one cap; the prefix keeps a key used with
  // both algorithms apart, as the two maps of `layerStoreMemory` do.
  const tokenBucket: Store["tokenBucket"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.unsafeCurrentTimeMillis()
        sweep(now)
        const refillMillis = Duration.toMillis(options.refillRate)
        const key = "b" + boundKey(options.key)
        const found = entries.get(key)
        let bucket: Bucket
        if (found?.kind === "bucket" && tokensAt(found, now, refillMillis) < options.limit) {
          bucket = found
          // `layerStoreMemory`'s refill: whole tokens, the rest of a period kept for the next one.
          const tokensToAdd = Math.floor((now - bucket.lastRefill) / refillMillis)
          if (tokensToAdd > 0) {
            bucket.tokens += tokensToAdd
            bucket.lastRefill += tokensToAdd * refillMillis
          }
        } else {
          // A full bucket is the same as a new one, and is answered as one.
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
        if (bucket.tokens >= options.limit) forget(key)
        else keep(bucket)
        return newTokenCount
      })
    )

  const fixedWindow: Store["fixedWindow"] = (options) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.unsafeCurrentTimeMillis()
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
          return [window.count + options.tokens, window.expiresAt - now] as const
        }
        window.count += options.tokens
        window.expiresAt += refillMillis * options.tokens
        if (window.expiresAt <= now) forget(key)
        else keep(window)
        return [window.count, window.expiresAt - now] as const
      })
    )

  return {
    store: RateLimiter.RateLimiterStore.of({ tokenBucket, fixedWindow }),
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
      : Effect.dieMessage(`the memory rate-limit store: maxBuckets must be a positive integer, not ${maxBuckets}`)
  )
