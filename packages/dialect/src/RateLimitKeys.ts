/**
 * The rate-limiting rules of SPEC.md §6 that need no Effect: the tiers, the header names, and the
 * bucket a request is counted in (its bearer key, else its address, an IPv6 one by its /64; and,
 * once it is answered 401, its address's unauthenticated bucket). Both editions' rate limiters
 * count the same requests in the same buckets, so they can share one store.
 *
 * @since 0.1.0
 */

/**
 * A tier: its rate in requests per minute and its burst, the most requests at once.
 *
 * @example
 * import type { RateLimitKeys } from "@errata/dialect"
 * const enterprise: RateLimitKeys.Tier = { perMinute: 1000, burst: 1500 }
 *
 * @since 0.1.0
 * @category models
 */
export interface Tier {
  readonly perMinute: number
  readonly burst: number
}

/**
 * The tiers of SPEC.md §6.
 *
 * @example
 * import { RateLimitKeys } from "@errata/dialect"
 * RateLimitKeys.tiers.pro.burst // 150
 *
 * @since 0.1.0
 * @category tiers
 */
export const tiers = {
  free: { perMinute: 10, burst: 15 },
  starter: { perMinute: 30, burst: 45 },
  pro: { perMinute: 100, burst: 150 }
} as const satisfies Readonly<Record<string, Tier>>

/**
 * The headers every response carries, lower-cased.
 *
 * @example
 * import { RateLimitKeys } from "@errata/dialect"
 * RateLimitKeys.headers.remaining // "x-ratelimit-remaining"
 *
 * @since 0.1.0
 * @category names
 */
export const headers = {
  limit: "x-ratelimit-limit",
  remaining: "x-ratelimit-remaining",
  reset: "x-ratelimit-reset"
} as const

const bearer = /^Bearer\s+(\S+)\s*$/i

/**
 * The API key of an `Authorization: Bearer <key>` header value.
 *
 * @example
 * import { RateLimitKeys } from "@errata/dialect"
 * RateLimitKeys.bearerKey("Bearer sk_live_1") // "sk_live_1"
 *
 * @since 0.1.0
 * @category keys
 */
export const bearerKey = (authorization: string | undefined): string | undefined => bearer.exec(authorization ?? "")?.[1]

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const HEXTET = /^[\da-f]{1,4}$/i

// Longer "addresses" (a forwarded header is the client's to write) are cut: a bucket key stays small.
const MAX_ADDRESS_LENGTH = 64

const ipv4Value = (text: string): number | undefined => {
  const octets = IPV4.exec(text)?.slice(1).map(Number)
  if (octets === undefined || octets.some((octet) => octet > 255)) return undefined
  return octets.reduce((value, octet) => value * 256 + octet, 0)
}

const ipv6Groups = (address: string): ReadonlyArray<number> | undefined => {
  // A dotted IPv4 tail (`::ffff:203.0.113.7`) is the last two groups.
  const lastColon = address.lastIndexOf(":")
  let text = address
  if (address.includes(".")) {
    const v4 = ipv4Value(address.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    text = `${address.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`
  }
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const [head = [], tail = []] = halves.map((half) => (half === "" ? [] : half.split(":")))
  const parts = [...head, ...tail]
  if (!parts.every((part) => HEXTET.test(part))) return undefined
  const missing = 8 - parts.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  return [...head, ...Array.from({ length: halves.length === 1 ? 0 : missing }, () => "0"), ...tail].map((part) =>
    parseInt(part, 16)
  )
}

/**
 * The client address as a bucket name: an IPv4 address as it is (also when it comes IPv4-mapped,
 * `::ffff:203.0.113.7`, from a dual-stack socket), an IPv6 address by its /64, the block one
 * subscriber is given: a caller who owns a /64 has 2^64 addresses, and would otherwise have as
 * many buckets.
 *
 * @example
 * import { RateLimitKeys } from "@errata/dialect"
 * RateLimitKeys.addressKey("2001:db8:1:2:aaaa::1") // "2001:db8:1:2::/64"
 * RateLimitKeys.addressKey("::ffff:203.0.113.7") // "203.0.113.7"
 *
 * @since 0.1.0
 * @category keys
 */
export const addressKey = (address: string): string => {
  const bare = address.split("%")[0] ?? address
  if (!bare.includes(":")) return bare.slice(0, MAX_ADDRESS_LENGTH)
  const groups = ipv6Groups(bare)
  if (groups === undefined) return bare.slice(0, MAX_ADDRESS_LENGTH)
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`
}

/**
 * The default bucket of a request: its bearer API key, else its address (by `addressKey`), else
 * `"anonymous"`.
 *
 * @example
 * import { RateLimitKeys } from "@errata/dialect"
 * RateLimitKeys.clientKey("Bearer sk_1", "203.0.113.7") // "key:sk_1"
 * RateLimitKeys.clientKey(undefined, "203.0.113.7") // "ip:203.0.113.7"
 *
 * @since 0.1.0
 * @category keys
 */
export const clientKey = (authorization: string | undefined, address: string | undefined): string => {
  const key = bearerKey(authorization)
  if (key !== undefined) return `key:${key}`
  return address === undefined ? "anonymous" : `ip:${addressKey(address)}`
}

/**
 * The bucket every request from one address that is answered 401 is counted in, whatever key it
 * made up.
 *
 * @example
 * import { RateLimitKeys } from "@errata/dialect"
 * RateLimitKeys.unauthenticatedKey("203.0.113.7") // "unauthenticated:203.0.113.7"
 *
 * @since 0.1.0
 * @category keys
 */
export const unauthenticatedKey = (address: string | undefined): string =>
  `unauthenticated:${address === undefined ? "anonymous" : addressKey(address)}`
