/**
 * The retry policy of SPEC.md §5, in one place: which failures are worth another try, how long to
 * wait before it (`@errata/dialect`'s `Backoff`), how a server's `Retry-After` replaces that wait,
 * and the retry budget (`@errata/dialect`'s `RetryBudget`). `engine` is the one `Schedule` that
 * decides every retry: `Retry.schedule` and `ApiClient.retryTransient` both run it.
 *
 * @internal
 */
import * as Backoff from "@errata/dialect/Backoff"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as LogLevel from "effect/LogLevel"
import * as Predicate from "effect/Predicate"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as HttpClientError from "effect/http/HttpClientError"
import * as ApiError from "../../ApiError.js"
import * as Bucket from "./retryBudget.js"

/** @internal */
export interface Options extends Pick<Backoff.Options, "times" | "factor" | "jitter"> {
  /**
   * The wait before the first retry; each later wait is `factor` times the one before.
   * @default "1 second"
   */
  readonly base?: Duration.Input | undefined
  /**
   * The longest computed wait, after jitter.
   * @default "60 seconds"
   */
  readonly maxDelay?: Duration.Input | undefined
  /**
   * How long a request keeps retrying, counted from its first failure as `Schedule.upTo` counts:
   * a retry whose wait would end after it is not made, and the last error is returned instead.
   * The overall limit; each attempt's own is `ApiClient.Options.timeout`.
   * @default undefined (no limit but `times`)
   */
  readonly upTo?: Duration.Input | undefined
  /**
   * The longest wait a `Retry-After` may impose; a longer one is cut to this.
   * @default "60 seconds"
   */
  readonly maxRetryAfter?: Duration.Input | undefined
  /**
   * The retry budget: one bucket shared by every request the client (or this schedule) retries.
   * Each successful answer earns `share` of a retry, each retry spends one, and
   * `minRetriesPerSecond` are always allowed; when it is empty a transient failure is returned at
   * once, without retrying. In a full outage the load on the server stays near the requests the
   * program makes instead of `times + 1` times them. `false` turns it off.
   * @default {} (share 0.2, minRetriesPerSecond 10, window "10 seconds")
   */
  readonly retryBudget?: Bucket.Options | false | undefined
  /**
   * Give every POST and PATCH an `Idempotency-Key` (one per logical request, the same on each of
   * its retries), so a retried create cannot create twice on a server that honours the key; a key
   * set on the request is left alone. Read by `ApiClient`; a bare `Retry.schedule` sends nothing.
   * @default true
   */
  readonly idempotencyKey?: boolean | undefined
}

const millis = (input: Duration.Input | undefined): number | undefined =>
  input === undefined ? undefined : Duration.toMillis(input)

/**
 * Fills in the defaults (`@errata/dialect`'s `Backoff.resolve`, which also keeps nonsense from
 * turning into a retry storm), the durations as milliseconds.
 *
 * @internal
 */
export const resolve = (options: Options = {}): Backoff.Resolved =>
  Backoff.resolve({
    times: options.times,
    baseMillis: millis(options.base),
    factor: options.factor,
    maxDelayMillis: millis(options.maxDelay),
    jitter: options.jitter,
    upToMillis: millis(options.upTo),
    maxRetryAfterMillis: millis(options.maxRetryAfter)
  })

/**
 * A transport failure: the request never got a response (refused, reset, DNS, a timed-out
 * attempt, a connection lost while an error body was read). Effect 4 has one `HttpClientError`
 * class whose `reason` says what happened.
 *
 * @internal
 */
export const isTransportError = (error: unknown): error is HttpClientError.HttpClientError =>
  HttpClientError.isHttpClientError(error) && error.reason._tag === "TransportError"

/**
 * What retries: an error `ApiError.isTransient` accepts (a 500, 502, 503 or 504 whose body could
 * not be read included: like a proxy's page, it is the status that may pass) and a transport
 * failure.
 *
 * @internal
 */
export const isRetryable = (error: unknown): boolean => ApiError.isTransient(error) || isTransportError(error)

// The server's wait, as `Wire.decode` kept it.
const retryAfterMillis = (error: unknown): number | undefined => {
  const asked = ApiError.retryAfter(error)
  return asked === undefined ? undefined : Duration.toMillis(asked)
}

/**
 * The decision after a failed attempt, before the retry budget is asked: the wait before retry
 * number `retry` (`Backoff.decide`, where a `Retry-After` wins), or `undefined` when the failure
 * is not retryable, `times` is used up, or the wait would end past `upTo` (`elapsedMillis` is the
 * time since the first failure).
 *
 * @internal
 */
export const decide = (
  options: Backoff.Resolved,
  error: unknown,
  retry: number,
  elapsedMillis: number,
  random: number
): number | undefined =>
  isRetryable(error) ? Backoff.decide(options, retry, elapsedMillis, random, retryAfterMillis(error)) : undefined

/**
 * A short name for a failure in logs and spans: the wire code of an API error, the tag of a
 * response that was not the wire format, the reason of a transport failure
 * (`HttpClientError.TransportError`).
 *
 * @internal
 */
export const codeOf = (error: unknown): string => {
  if (ApiError.isAny(error)) return error._tag === "UnexpectedResponse" ? error._tag : error.code
  if (HttpClientError.isHttpClientError(error)) return `${error._tag}.${error.reason._tag}`
  return Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : "Unknown"
}

/** The request ID of a failure: the error's own, or that of the response an `HttpClientError` keeps. @internal */
export const requestIdOf = (error: unknown): string | undefined => {
  if (Predicate.hasProperty(error, "requestId") && typeof error.requestId === "string") return error.requestId
  return HttpClientError.isHttpClientError(error) ? error.response?.headers["x-request-id"] : undefined
}

/**
 * The retry budget of one client or schedule, with the clock its deposits are stamped by: the
 * `Clock` of the first request, kept so that the 2xx path can deposit without an Effect of its
 * own. Withdrawals use the schedule's own `now`.
 *
 * @internal
 */
export class SharedBudget {
  // Once per window a refusal is logged as a warning, so an outage shows at the default log level
  // without a line per request; the rest are debug, like the retries.
  private warnedAt = Number.NEGATIVE_INFINITY
  clock: Clock.Clock | undefined = undefined

  constructor(readonly bucket: Bucket.RetryBudget) {}

  deposit(): void {
    if (this.clock !== undefined) this.bucket.deposit(this.clock.currentTimeMillisUnsafe())
  }

  refusalLevel(now: number): LogLevel.Severity {
    if (now - this.warnedAt < this.bucket.options.windowMillis) return "Debug"
    this.warnedAt = now
    return "Warn"
  }
}

/** @internal */
export const sharedBudget = (options: Options): SharedBudget | undefined =>
  options.retryBudget === false ? undefined : new SharedBudget(Bucket.make(options.retryBudget))

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`

/**
 * The one retry engine: a `Schedule` whose input is the failure and whose output is the wait it
 * chose. Built with `Schedule.fromStep`: its outer effect runs once per `Effect.retry`, so the
 * state of one run (retries made, when the first failure came) lives in that closure, and the
 * budget, shared by every run, outside it. Each step decides the wait (`decide`), then asks the
 * retry budget last, so that only a retry that would really be made spends from it, and logs
 * what it decided: a retry at debug level with code, attempt, delay and request ID; a refusal of
 * the budget with why, and `errata.retry_budget: "exhausted"` on the current span. A step that
 * stops ends the schedule with `Cause.done`, and `Effect.retry` returns the last error.
 *
 * @internal
 */
export const engine = (options: Backoff.Resolved, budget: SharedBudget | undefined): Schedule.Schedule<Duration.Duration, unknown> =>
  Schedule.fromStep(Effect.sync(() => {
    let retries = 0
    let startedAt: number | undefined = undefined
    return (now: number, error: unknown) =>
      Effect.flatMap(Random.next, (random) => {
        const first = startedAt ?? now
        const attempt = retries + 1
        const wait = decide(options, error, attempt, now - first, random)
        if (wait === undefined) return Cause.done(Duration.zero)
        const code = codeOf(error)
        const requestId = requestIdOf(error) ?? ""
        if (budget !== undefined && !budget.bucket.tryWithdraw(now)) {
          const { minRetriesPerSecond, share } = budget.bucket.options
          return Effect.logWithLevel(budget.refusalLevel(now))(
            `errata: ${code} on attempt ${attempt}, not retried: the client's retry budget is exhausted ` +
              `(retries are held to ${percent(share)} of the successful requests plus ${minRetriesPerSecond}/s)`
          ).pipe(
            Effect.annotateLogs({
              "errata.retry_budget": "exhausted",
              "errata.code": code,
              "errata.attempt": attempt,
              "http.request_id": requestId
            }),
            Effect.andThen(Effect.annotateCurrentSpan("errata.retry_budget", "exhausted")),
            Effect.andThen(Cause.done(Duration.zero))
          )
        }
        retries = attempt
        startedAt = first
        const delay = Duration.millis(wait)
        const step: [Duration.Duration, Duration.Duration] = [delay, delay]
        return Effect.logDebug(`errata: ${code} on attempt ${attempt}, retrying in ${wait}ms`).pipe(
          Effect.annotateLogs({
            "errata.code": code,
            "errata.attempt": attempt,
            "errata.delay_ms": wait,
            "http.request_id": requestId
          }),
          Effect.as(step)
        )
      })
  }))
