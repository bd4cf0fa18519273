/**
 * The bounded in-memory table behind both editions' memory rate-limit store: token buckets and
 * fixed windows (and an edition's own expiring entries) in one map under one cap, read and written
 * with the time passed in as epoch milliseconds, so each edition runs it on its own `Clock`.
 *
 * It answers as the platform's in-memory stores do, and holds at most `maxBuckets` entries:
 *
 * - a token bucket that has refilled completely is the same as a new one, so it is dropped: once
 *   full after a call, or found full at the old end of the recency list; a full bucket taken from
 *   again starts its refill interval then, as a new one does;
 * - a fixed window that has ended is the same as none, so it is dropped;
 * - an edition's own entries (`find` / `keep`) are dropped once their `expiresAt` has passed;
 * - beyond `maxBuckets`, the least recently used entries are evicted: the bucket of a client who
 *   keeps calling is the last to go. An evicted bucket that was not full is forgotten: its client
 *   starts again from a full one. That is the price of a bound, and why the cap is high.
 *
 * Keys longer than `MAX_KEY_LENGTH` are kept as a digest (`boundKey`), so a bearer key of 8 KB
 * does not make a bucket of 8 KB: the cap bounds the bytes, not only the entries.
 *
 * @since 0.1.0
 */

/**
 * The default cap: about 20 MB of buckets on V8 (measured by the Effect 3 edition's tests).
 *
 * @example
 * import { TokenBuckets } from "@errata/dialect"
 * const table = TokenBuckets.make(TokenBuckets.DEFAULT_MAX_BUCKETS)
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_BUCKETS = 100_000

/**
 * Longer keys are kept as a digest; an API key or an address is far shorter.
 *
 * @example
 * import { TokenBuckets } from "@errata/dialect"
 * TokenBuckets.boundKey("k".repeat(TokenBuckets.MAX_KEY_LENGTH)).length // 256: kept as it is
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_KEY_LENGTH = 256

/** How many spent entries one call drops at most: the work is spread over calls, never a pause. */
const SWEEP_PER_CALL = 64

// FNV-1a, twice with different offsets: 64 bits, to keep apart the long keys of one process. Not a
// secret-keeping hash: a memory store never sends a key out of the process.
const fnv1a = (text: string, offset: number): string => {
  let hash = offset
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, "0")
}

/**
 * A key as the table holds it: as it is up to `MAX_KEY_LENGTH` characters, else its length and a
 * 64-bit FNV-1a digest behind a `#`, which no key of `MAX_KEY_LENGTH` or fewer characters can
 * collide with (the length comes first). Not a secret-keeping hash: the table never sends a key
 * out of the process.
 *
 * @example
 * import { TokenBuckets } from "@errata/dialect"
 * TokenBuckets.boundKey("key:sk_1") // "key:sk_1"
 * TokenBuckets.boundKey("k".repeat(8192)) // "#8192:" and 16 hex digits
 *
 * @since 0.1.0
 * @category keys
 */
export const boundKey = (key: string): string =>
  key.length <= MAX_KEY_LENGTH ? key : `#${key.length}:${fnv1a(key, 0x811c9dc5)}${fnv1a(key, 0x050c5d1f)}`

/**
 * One call of a token bucket: take `tokens` (negative to hand some back) from the bucket `key`
 * of capacity `limit`, refilled by one token every `refillMillis`.
 *
 * @example
 * import type { TokenBuckets } from "@errata/dialect"
 * const call: TokenBuckets.TokenBucketCall = { key: "key:sk_1", tokens: 1, limit: 150, refillMillis: 600, allowOverflow: false }
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenBucketCall {
  readonly key: string
  readonly tokens: number
  readonly limit: number
  readonly refillMillis: number
  /** Whether the bucket may go below zero; when not, a call with too few tokens takes nothing. */
  readonly allowOverflow: boolean
}

/**
 * One call of a fixed window: count `tokens` in the window `key`, which lasts `refillMillis` per
 * token counted; refused over `limit` (`undefined` or `0`: no limit).
 *
 * @example
 * import type { TokenBuckets } from "@errata/dialect"
 * const call: TokenBuckets.FixedWindowCall = { key: "ip:203.0.113.7", tokens: 1, limit: 100, refillMillis: 600 }
 *
 * @since 0.1.0
 * @category models
 */
export interface FixedWindowCall {
  readonly key: string
  readonly tokens: number
  readonly limit: number | undefined
  readonly refillMillis: number
}

/**
 * An entry of an edition's own, kept in the same table and cap: spent once `expiresAt` (epoch
 * milliseconds) is past. The table reads `expiresAt` when it sweeps, so the owner may move it.
 *
 * @example
 * import type { TokenBuckets } from "@errata/dialect"
 * interface Cooldown extends TokenBuckets.Expiring {
 *   until: number
 * }
 *
 * @since 0.1.0
 * @category models
 */
export interface Expiring {
  readonly expiresAt: number
}

/**
 * A bounded table: mutable, read and written with the current time in epoch milliseconds. `A` is
 * the type of the edition's own entries (`never` when it has none).
 *
 * @example
 * import { TokenBuckets } from "@errata/dialect"
 * const table: TokenBuckets.Table = TokenBuckets.make(1_000)
 * const [remaining] = table.tokenBucket({ key: "key:sk_1", tokens: 1, limit: 3, refillMillis: 1_000, allowOverflow: false }, 0)
 * // 2
 *
 * @since 0.1.0
 * @category models
 */
export interface Table<A extends Expiring = never> {
  /**
   * Takes the call's tokens from its bucket. Answers the tokens left after taking (negative when
   * there were too few, and then nothing is taken unless overflow is allowed), and the
   * milliseconds since the bucket's last refill, less than one refill interval.
   */
  readonly tokenBucket: (call: TokenBucketCall, now: number) => readonly [remaining: number, elapsedMillis: number]
  /**
   * Counts the call's tokens in its window. Answers the count after counting (over the limit when
   * refused, and then nothing is counted) and the window's remaining milliseconds.
   */
  readonly fixedWindow: (call: FixedWindowCall, now: number) => readonly [count: number, ttlMillis: number]
  /**
   * Drops a few spent entries from the old end, then finds the edition's own entry of `key`; an
   * expired one is dropped and not found. It is not marked as used: `keep` does that.
   */
  readonly find: (key: string, now: number) => A | undefined
  /** Holds `entry` as the edition's own entry of `key`, the most recently used, evicting beyond the cap. */
  readonly keep: (key: string, entry: A) => void
  /** Drops a few spent entries from the old end (every other call does this first). */
  readonly sweep: (now: number) => void
  /** How many token buckets, fixed windows and own entries are held. */
  readonly size: () => number
}

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

interface Own extends Links {
  readonly kind: "own"
  readonly entry: Expiring
}

type Entry = Bucket | Window | Own

const tokensAt = (bucket: Bucket, now: number, refillMillis: number): number =>
  bucket.tokens + Math.floor((now - bucket.lastRefill) / refillMillis)

const isSpent = (entry: Entry, now: number): boolean =>
  entry.kind === "bucket"
    ? tokensAt(entry, now, entry.refillMillis) >= entry.limit
    : (entry.kind === "window" ? entry.expiresAt : entry.entry.expiresAt) <= now

const answer = (a: number, b: number): readonly [number, number] => [a, b]

/**
 * A new, empty table of at most `maxBuckets` entries (token buckets, fixed windows and own entries
 * together). The cap is the caller's to check: a positive integer.
 *
 * @example
 * import { TokenBuckets } from "@errata/dialect"
 * const table = TokenBuckets.make(1_000)
 * const call = { key: "ip:203.0.113.7", tokens: 1, limit: 2, refillMillis: 30_000, allowOverflow: false }
 * table.tokenBucket(call, 0) // [1, 0]
 * table.tokenBucket(call, 10) // [0, 10]
 * table.tokenBucket(call, 20) // [-1, 20]: refused, nothing taken
 * table.size() // 1
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A extends Expiring = never>(maxBuckets: number): Table<A> => {
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

  const hold = (entry: Entry) => {
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

  // Token buckets, fixed windows and own entries live in one map and one cap; the prefix keeps a
  // key used with several of them apart, as the separate maps of the platform's stores do.
  const tokenBucket = (call: TokenBucketCall, now: number): readonly [number, number] => {
    sweep(now)
    const refillMillis = call.refillMillis
    const key = "b" + boundKey(call.key)
    const found = entries.get(key)
    let bucket: Bucket
    if (found?.kind === "bucket" && tokensAt(found, now, refillMillis) < call.limit) {
      bucket = found
      // The platform's refill: whole tokens, the rest of an interval kept for the next one.
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
        tokens: call.limit,
        lastRefill: now,
        limit: call.limit,
        refillMillis
      }
    }
    bucket.limit = call.limit
    bucket.refillMillis = refillMillis
    const newTokenCount = bucket.tokens - call.tokens
    if (call.allowOverflow || newTokenCount >= 0) bucket.tokens = newTokenCount
    const elapsedMillis = Math.max(0, now - bucket.lastRefill)
    if (bucket.tokens >= call.limit) forget(key)
    else hold(bucket)
    return answer(newTokenCount, elapsedMillis)
  }

  const fixedWindow = (call: FixedWindowCall, now: number): readonly [number, number] => {
    sweep(now)
    const key = "w" + boundKey(call.key)
    const found = entries.get(key)
    if (found !== undefined && isSpent(found, now)) forget(key)
    const window: Window = found?.kind === "window" && found.expiresAt > now
      ? found
      : { kind: "window", key, older: undefined, newer: undefined, count: 0, expiresAt: now }
    // The platform's stores read a limit of 0 as none, and so does this table.
    if (call.limit && window.count + call.tokens > call.limit) {
      // A refused call is a use too: the client being refused is the last to lose its window.
      if (window.expiresAt > now) hold(window)
      return answer(window.count + call.tokens, window.expiresAt - now)
    }
    window.count += call.tokens
    window.expiresAt += call.refillMillis * call.tokens
    if (window.expiresAt <= now) forget(key)
    else hold(window)
    return answer(window.count, window.expiresAt - now)
  }

  const find = (key: string, now: number): A | undefined => {
    sweep(now)
    const bound = "o" + boundKey(key)
    const found = entries.get(bound)
    if (found?.kind !== "own") return undefined
    if (found.entry.expiresAt <= now) {
      drop(found)
      return undefined
    }
    return found.entry as A
  }

  const keep = (key: string, entry: A): void => {
    const bound = "o" + boundKey(key)
    const found = entries.get(bound)
    hold(found?.kind === "own" && found.entry === entry
      ? found
      : { kind: "own", key: bound, older: undefined, newer: undefined, entry })
  }

  return { tokenBucket, fixedWindow, find, keep, sweep, size: () => entries.size }
}
