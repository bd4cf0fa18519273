/**
 * The retry policy of SPEC.md §5 as a `Schedule`: which failures are worth another try, how long
 * to wait before it (exponential from 1 s, doubling, capped at 60 s, jittered), a server's
 * `Retry-After` winning over that wait, and a retry budget that holds retries to a share of the
 * successful traffic. `ApiClient.retryTransient` (and so `ApiClient.layer`) runs exactly this
 * schedule with `Effect.retry`; compose it yourself around any effect that fails with errata's
 * errors.
 *
 * @example
 * import { Effect } from "effect"
 * import { Retry } from "errata/client"
 * const patiently = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.retry(effect, Retry.schedule({ times: 3 }))
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Schedule from "effect/Schedule"
import * as internal from "./internal/retryPolicy.js"

/**
 * How transient failures are retried. Every field is optional; the defaults follow the API's own
 * guidance (SPEC.md §5): 5 retries, 1 s doubling to 60 s, ±20% jitter, a `Retry-After` obeyed up
 * to 60 s, and a retry budget of 20% of the successes plus 10 retries per second.
 *
 * @example
 * import type { Retry } from "errata/client"
 * const patient: Retry.Options = { times: 8, maxDelay: "2 minutes", upTo: "10 minutes", retryBudget: { share: 0.1 } }
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends internal.Options {}

/**
 * Whether a failure is worth another try: an error `ApiError.isTransient` accepts (429, 500, 503,
 * an unknown code with 429 or 5xx, a non-wire 500/502/503/504 whatever its body) or a transport
 * failure (an `HttpClientError` whose reason is a `TransportError`: refused, reset, DNS, a
 * timed-out attempt). Never another 4xx: the same request would fail the same way.
 *
 * @example
 * import { ApiError } from "errata"
 * import { Retry } from "errata/client"
 * Retry.isRetryable(new ApiError.ServiceUnavailable()) // true
 * Retry.isRetryable(new ApiError.NotFound()) // false
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable: (error: unknown) => boolean = internal.isRetryable

/**
 * The retry policy as a `Schedule` whose input is the failure and whose output is the wait it
 * chose (built with `Schedule.fromStep`). Each retry is logged at debug level with its code,
 * attempt, delay and request ID; a retry the budget refuses is logged (a warning once per window)
 * and the last error returned. The schedule value owns its retry budget: every `Effect.retry`
 * that runs it shares one bucket, whose reserve (`minRetriesPerSecond`) is always there;
 * successes earn more retries only where they are seen, as `ApiClient.retryTransient` sees them.
 *
 * @example
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { ApiClient, Retry } from "errata/client"
 *
 * const policy = Retry.schedule({ times: 3 })
 * const fetchStatus = Effect.flatMap(HttpClient.HttpClient, (client) =>
 *   client.pipe(ApiClient.decodeErrors()).get("https://api.example.com/status").pipe(Effect.retry(policy)))
 *
 * @since 0.1.0
 * @category schedules
 */
export const schedule = (options: Options = {}): Schedule.Schedule<Duration.Duration, unknown> =>
  internal.engine(internal.resolve(options), internal.sharedBudget(options))
