/**
 * The retry policy of SPEC.md §5, in one place: which failures are worth another try, how long to
 * wait before it (exponential from 1 s, doubling, capped at 60 s, jittered), and how a server's
 * `Retry-After` replaces that wait. `ApiClient.retryTransient` runs it around every request;
 * `Retry.schedule` exposes it as a plain `Schedule` for users who compose their own.
 *
 * @since 0.1.0
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import { ApiError, Wire } from "@errata/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Interval from "effect/ScheduleInterval"
import * as metadata from "./internal/metadata.js"

/**
 * How transient failures are retried. Every field is optional; the defaults follow the API's own
 * guidance (SPEC.md §5).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The most retries after the first attempt; `0` turns retrying off.
   * @default 5
   */
  readonly times?: number | undefined
  /**
   * The wait before the first retry; each later wait is `factor` times the one before.
   * @default "1 second"
   */
  readonly base?: Duration.DurationInput | undefined
  /**
   * How much each computed wait grows over the previous one.
   * @default 2
   */
  readonly factor?: number | undefined
  /**
   * The longest computed wait, after jitter.
   * @default "60 seconds"
   */
  readonly maxDelay?: Duration.DurationInput | undefined
  /**
   * The spread of a computed wait as a fraction of it: `0.2` draws each wait uniformly from
   * ±20% of its nominal value, so many clients do not retry in lockstep. A `Retry-After` is never
   * jittered.
   * @default 0.2
   */
  readonly jitter?: number | undefined
  /**
   * The total time a request may take, retries and waits included: a retry whose wait would end
   * after it is not made, and the last error is returned instead.
   * @default undefined (no budget)
   */
  readonly budget?: Duration.DurationInput | undefined
  /**
   * The longest wait a `Retry-After` may impose; a longer one is cut to this.
   * @default "60 seconds"
   */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/**
 * The options with every default filled in, in milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly times: number
  readonly baseMillis: number
  readonly factor: number
  readonly maxDelayMillis: number
  readonly jitter: number
  readonly budgetMillis: number | undefined
  readonly maxRetryAfterMillis: number
}

/**
 * The defaults of `Options`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: Resolved = {
  times: 5,
  baseMillis: 1_000,
  factor: 2,
  maxDelayMillis: 60_000,
  jitter: 0.2,
  budgetMillis: undefined,
  maxRetryAfterMillis: 60_000
}

const millis = (input: Duration.DurationInput | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.decode(input))

const clamp = (value: number, min: number, max: number): number => Math.min(Math.max(value, min), max)

/**
 * Fills in the defaults, and keeps nonsense (negative counts, jitter above 100%) from turning into
 * a retry storm.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: Options = {}): Resolved => ({
  times: Math.max(0, Math.floor(options.times ?? defaults.times)),
  baseMillis: Math.max(0, millis(options.base, defaults.baseMillis)),
  factor: Math.max(1, options.factor ?? defaults.factor),
  maxDelayMillis: Math.max(0, millis(options.maxDelay, defaults.maxDelayMillis)),
  jitter: clamp(options.jitter ?? defaults.jitter, 0, 1),
  budgetMillis: options.budget === undefined ? undefined : Math.max(0, millis(options.budget, 0)),
  maxRetryAfterMillis: Math.max(0, millis(options.maxRetryAfter, defaults.maxRetryAfterMillis))
})

/**
 * Whether a failure is worth another try: an error `ApiError.isTransient` accepts (429, 500, 503,
 * an unknown code with 429 or 5xx, a non-wire 500/502/503/504), or a transport failure (refused,
 * reset, DNS). Never another 4xx, and never a response that arrived but could not be decoded: the
 * same request would fail the same way.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * import { Retry } from "@errata/client"
 * Retry.isRetryable(new ApiError.ServiceUnavailable()) // true
 * Retry.isRetryable(new ApiError.NotFound()) // false
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: unknown): boolean =>
  ApiError.isTransient(error) ||
  (HttpClientError.isHttpClientError(error) && error._tag === "RequestError" && error.reason === "Transport")

/**
 * The wait the server asked for on this failure: `details.retryAfter` of a 429, else the response's
 * `retry-after-ms` or `Retry-After` header (delta-seconds or an HTTP-date, read when the response
 * was decoded). `undefined` when the server named none, or one that was unparsable or in the past.
 *
 * @since 0.1.0
 * @category getters
 */
export const retryAfter = (error: unknown): Duration.Duration | undefined => {
  if (!ApiError.isAny(error)) return undefined
  return Wire.retryAfter(error) ?? metadata.retryAfterHeader(error)
}

/**
 * The computed wait before retry number `retry` (1 for the first retry), without any
 * `Retry-After`: `base * factor^(retry - 1)`, spread by the jitter (`random` in [0, 1)), at most
 * `maxDelay`. In whole milliseconds.
 *
 * @example
 * import { Retry } from "@errata/client"
 * // With the jitter's draw in the middle, the nominal waits: 1 s, 2 s, 4 s, … capped at 60 s.
 * Retry.backoff(Retry.defaults, 3, 0.5) // 4000
 *
 * @since 0.1.0
 * @category delays
 */
export const backoff = (options: Resolved, retry: number, random: number): number => {
  const nominal = Math.min(options.baseMillis * Math.pow(options.factor, Math.max(0, retry - 1)), options.maxDelayMillis)
  const spread = 1 + options.jitter * (2 * random - 1)
  return Math.round(Math.min(nominal * spread, options.maxDelayMillis))
}

/**
 * The wait before retry number `retry` after `error`: the server's `Retry-After`, cut to
 * `maxRetryAfter`, when it named one; the computed `backoff` otherwise. In whole milliseconds.
 *
 * @since 0.1.0
 * @category delays
 */
export const delay = (options: Resolved, error: unknown, retry: number, random: number): number => {
  const asked = retryAfter(error)
  return asked === undefined
    ? backoff(options, retry, random)
    : Math.ceil(Math.min(Duration.toMillis(asked), options.maxRetryAfterMillis))
}

/**
 * The whole decision after a failed attempt: the wait before retry number `retry`, or `undefined`
 * when the failure is not retryable, `times` is used up, or the wait would overrun the budget
 * (`elapsedMillis` is the time spent so far).
 *
 * @since 0.1.0
 * @category delays
 */
export const decide = (
  options: Resolved,
  error: unknown,
  retry: number,
  elapsedMillis: number,
  random: number
): number | undefined => {
  if (retry > options.times || !isRetryable(error)) return undefined
  const wait = delay(options, error, retry, random)
  if (options.budgetMillis !== undefined && elapsedMillis + wait > options.budgetMillis) return undefined
  return wait
}

interface ScheduleState {
  readonly retries: number
  readonly startedAt: number | undefined
}

/**
 * The policy as a `Schedule` whose input is the failure and whose output is the wait it chose.
 * Use it with `Effect.retry` or `HttpClient.retry` when composing by hand; `ApiClient.retryTransient`
 * runs the same decisions and adds logging, spans and idempotency keys. Here the budget counts from
 * the first failure, since a schedule only sees time when it is asked.
 *
 * @example
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { Retry } from "@errata/client"
 *
 * const fetchStatus = (client: HttpClient.HttpClient) =>
 *   client.get("https://api.example.com/status").pipe(Effect.retry(Retry.schedule({ times: 3 })))
 *
 * @since 0.1.0
 * @category schedules
 */
export const schedule = (options: Options = {}): Schedule.Schedule<Duration.Duration, unknown> => {
  const resolved = resolve(options)
  const initial: ScheduleState = { retries: 0, startedAt: undefined }
  return Schedule.makeWithState(initial, (now, input: unknown, state) =>
    Effect.map(Random.next, (random) => {
      const startedAt = state.startedAt ?? now
      const wait = decide(resolved, input, state.retries + 1, now - startedAt, random)
      if (wait === undefined) return [state, Duration.zero, ScheduleDecision.done] as const
      const next: ScheduleState = { retries: state.retries + 1, startedAt }
      return [next, Duration.millis(wait), ScheduleDecision.continueWith(Interval.after(now + wait))] as const
    }))
}

/**
 * A short name for a failure in logs and spans: the wire code of an API error, the tag of a
 * response that was not the wire format, the reason of a transport failure.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * import { Retry } from "@errata/client"
 * Retry.codeOf(new ApiError.RateLimitExceeded()) // "RATE_LIMIT_EXCEEDED"
 *
 * @since 0.1.0
 * @category getters
 */
export const codeOf = (error: unknown): string => {
  if (ApiError.isAny(error)) return error._tag === "UnexpectedResponse" ? error._tag : error.code
  if (HttpClientError.isHttpClientError(error)) return `${error._tag}.${error.reason}`
  return Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : "Unknown"
}
