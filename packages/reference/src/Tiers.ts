/**
 * The reference API's rate tiers beyond SPEC.md §6's `free`, `starter` and `pro` (which each
 * edition's `RateLimit.tiers` holds).
 */

/** A tier: requests per minute and the burst the bucket holds. */
export interface Tier {
  readonly perMinute: number
  readonly burst: number
}

/** `enterprise`; `tiny` (2 per minute, burst 2) so the tour can show a real 429; `unlimited` for load tests. */
export const extra: Readonly<Record<"enterprise" | "tiny" | "unlimited", Tier>> = {
  enterprise: { perMinute: 1000, burst: 1500 },
  tiny: { perMinute: 2, burst: 2 },
  // Far above what a test sends, so only injected faults fail.
  unlimited: { perMinute: 6_000_000, burst: 1_000_000 }
}
