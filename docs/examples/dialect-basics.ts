import { Backoff, Catalog, RequestId, RetryAfter, RetryBudget } from "@errata/dialect"

// The catalog: the facts of every code, as data.
export const transientCodes = Catalog.all.filter((e) => e.transient).map((e) => e.code)
// ["RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]

// The wait before each retry, with the clock and the random draw passed in.
const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT")
const policy = Backoff.resolve({ times: 3, jitter: 0 })
export const computed = [1, 2, 3, 4].map((retry) => Backoff.decide(policy, retry, 0, Math.random(), undefined))
// [1000, 2000, 4000, undefined]: 3 retries, doubling from 1 s
export const serversWord = Backoff.decide(policy, 1, 0, Math.random(), RetryAfter.parse("Wed, 21 Oct 2026 07:28:07 GMT", now))
// 7000: a Retry-After wins over the computed wait

// A retry budget: retries held to 20% of the successes plus 10 per second.
const budget = RetryBudget.make()
export const reserve = budget.available(now)
// 100: the reserve, 10 per second over the 10 s window

// Request IDs: echo a safe one, make a fresh one otherwise.
export const echoed = [RequestId.isSafe("req_42"), RequestId.isSafe("req\r\nSet-Cookie: a=b")]
// [true, false]
