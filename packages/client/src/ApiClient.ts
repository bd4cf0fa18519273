/**
 * An `HttpClient` whose failures are errata's typed errors: every non-2xx response becomes the
 * `ApiError.Any` that `Wire.decode` gives, with its request ID, and the transient ones are retried
 * the way the API asks (SPEC.md §4, §5). Use `ApiClient.layer` for the whole package, or the
 * combinators `decodeErrors`, `retryTransient` and `withIdempotencyKey` on an `HttpClient` you
 * build yourself.
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ApiClient.ApiClient
 *   const response = yield* client.get("/contacts/550e8400-e29b-41d4-a716-446655440000")
 *   return yield* response.json
 * }).pipe(Effect.catchTags({ NotFound: (e) => Effect.succeed(`gone (request ${e.requestId})`) }))
 *
 * const ApiLive = ApiClient.layer({ baseUrl: "https://api.example.com/v1", apiKey: "sk_live_…" }).pipe(
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ApiError } from "@errata/core"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Predicate from "effect/Predicate"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import type * as Tracer from "effect/Tracer"
import * as errorBody from "./internal/errorBody.js"
import * as metadata from "./internal/metadata.js"
import * as Retry from "./Retry.js"
import * as RetryBudget from "./RetryBudget.js"

/**
 * Every failure the client can raise: one of the fourteen errata errors for a response that came
 * back non-2xx, or the platform's `HttpClientError` for a request that never got a response.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure = ApiError.Any | HttpClientError.HttpClientError

/**
 * The client `ApiClient.layer` provides: an ordinary `HttpClient` whose error channel says what
 * it raises.
 *
 * @since 0.1.0
 * @category models
 */
export interface Client extends HttpClient.HttpClient.With<Failure> {}

/**
 * The service tag of the errata client. A tag of its own rather than `HttpClient.HttpClient`
 * because that tag's error type is `HttpClientError` alone: providing errata's client under it
 * would hide the typed errors from `catchTags`.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const contact = Effect.flatMap(ApiClient.ApiClient, (client) => client.get("/contacts/42"))
 *
 * @since 0.1.0
 * @category tags
 */
export class ApiClient extends Context.Tag("@errata/client/ApiClient")<ApiClient, Client>() {}

/**
 * The default bound on how much of an error body is read.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_ERROR_BODY_BYTES = 64 * 1024

/**
 * Options of `decodeErrors`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecodeOptions {
  /**
   * The most bytes of an error body that are read; past it the connection is dropped and the
   * error is decoded from what arrived (a cut body gives an `UnexpectedResponse`).
   * @default 65536 (64 KiB)
   */
  readonly maxErrorBodyBytes?: number | undefined
}

/**
 * The retries of a client: the policy of each request (`Retry.Options`), and the retry budget all
 * its requests share.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy extends Retry.Options {
  /**
   * The retry budget of the client, one bucket shared by all its requests and fibers: each
   * successful answer earns `share` of a retry, each retry spends one, and `minRetriesPerSecond`
   * are always allowed; when it is empty a transient failure is returned at once, without
   * retrying. In a full outage the load on the server stays near the requests the program makes
   * instead of `times + 1` times them. `false` turns it off. Not to be confused with `budget`, the
   * time one request may take.
   * @default {} (`RetryBudget.defaults`: share 0.2, minRetriesPerSecond 10, window "10 seconds")
   */
  readonly retryBudget?: RetryBudget.Options | false | undefined
}

/**
 * Options of `retryTransient`: the retry policy, the retry budget, and whether POST and PATCH
 * carry an `Idempotency-Key`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions extends RetryPolicy {
  /**
   * Give every POST and PATCH an `Idempotency-Key` (one per logical request, the same on each of
   * its retries), so a retried create cannot create twice on a server that honours the key.
   * @default true
   */
  readonly idempotencyKey?: boolean | undefined
}

/**
 * Options of `layer` and `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends DecodeOptions {
  /** Prepended to every request URL, e.g. `"https://api.example.com/v1"`. */
  readonly baseUrl: string
  /** Sent as `Authorization: Bearer <key>`; a `Redacted` keeps it out of logs. */
  readonly apiKey: string | Redacted.Redacted
  /**
   * The retry policy of transient failures and the client's retry budget, or `false` for none.
   * @default {} (5 retries, 1 s doubling to 60 s, ±20% jitter; a retry budget of 20% of the
   * successes plus 10 retries per second over a 10 s window)
   */
  readonly retry?: RetryPolicy | false | undefined
  /**
   * Give every POST and PATCH an `Idempotency-Key`, kept across retries; a key set on the request
   * is left alone.
   * @default true
   */
  readonly idempotencyKey?: boolean | undefined
}

const isClient = (u: unknown): u is HttpClient.HttpClient.With<unknown, unknown> => Predicate.hasProperty(u, HttpClient.TypeId)

const isSuccess = (status: number): boolean => status >= 200 && status < 300

/**
 * Turns every non-2xx response into the error `Wire.decode` gives, with the `X-Request-ID`
 * attached and a 429's `Retry-After` in its details. The error body is read up to
 * `maxErrorBodyBytes`; 2xx responses pass through untouched and unread. A connection lost while
 * reading the error body is a `RequestError` with reason `Transport`.
 *
 * @example
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = (yield* HttpClient.HttpClient).pipe(ApiClient.decodeErrors({ maxErrorBodyBytes: 16_384 }))
 *   return yield* client.get("https://api.example.com/v1/contacts/42")
 * })
 *
 * @since 0.1.0
 * @category combinators
 */
export const decodeErrors: {
  (
    options?: DecodeOptions
  ): <E, R>(self: HttpClient.HttpClient.With<E, R>) => HttpClient.HttpClient.With<E | ApiError.Any | HttpClientError.RequestError, R>
  <E, R>(
    self: HttpClient.HttpClient.With<E, R>,
    options?: DecodeOptions
  ): HttpClient.HttpClient.With<E | ApiError.Any | HttpClientError.RequestError, R>
} = dual(
  (args) => isClient(args[0]),
  <E, R>(
    self: HttpClient.HttpClient.With<E, R>,
    options?: DecodeOptions
  ): HttpClient.HttpClient.With<E | ApiError.Any | HttpClientError.RequestError, R> => {
    const maxBytes = Math.max(0, options?.maxErrorBodyBytes ?? DEFAULT_MAX_ERROR_BODY_BYTES)
    const check = (
      response: HttpClientResponse.HttpClientResponse
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, ApiError.Any | HttpClientError.RequestError> =>
      isSuccess(response.status) ? Effect.succeed(response) : errorBody.decode(response, maxBytes)
    return HttpClient.transformResponse(self, Effect.flatMap(check))
  }
)

const needsIdempotencyKey = (request: HttpClientRequest.HttpClientRequest): boolean =>
  (request.method === "POST" || request.method === "PATCH") && request.headers["idempotency-key"] === undefined

/**
 * Gives every POST and PATCH that has none an `Idempotency-Key` header with a fresh UUID. The key
 * is set once per logical request, before any retry combinator re-sends it, so every retry of a
 * create carries the same key.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withIdempotencyKey = <E, R>(self: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
  // A request map runs when the request is executed, once per call to `execute`, never per retry.
  HttpClient.mapRequest(self, (request) =>
    needsIdempotencyKey(request)
      ? HttpClientRequest.setHeader(request, "idempotency-key", globalThis.crypto.randomUUID())
      : request)

/**
 * The number of attempts the request that failed with this error made, first one included, when
 * it went through `retryTransient`; `undefined` for any other value.
 *
 * The errors are core's `Schema.TaggedError` classes, whose fields are the wire contract; the
 * count is kept beside them (a `WeakMap` keyed by the error), so it survives `catchTags` and
 * re-raising but not copying the error into a new object.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const report = <A, E, R>(call: Effect.Effect<A, E, R>) =>
 *   Effect.tapError(call, (error) => Effect.log(`failed after ${ApiClient.attempts(error) ?? 1} attempts`))
 *
 * @since 0.1.0
 * @category getters
 */
export const attempts = (error: unknown): number | undefined => metadata.attempts(error)

const requestIdOf = (error: unknown): string | undefined =>
  Predicate.hasProperty(error, "requestId") && typeof error.requestId === "string" ? error.requestId : undefined

const recordOutcome = (span: Tracer.Span, error: unknown, attempt: number): void => {
  metadata.setAttempts(error, attempt)
  span.attribute("errata.attempt", attempt)
  span.attribute("errata.code", Retry.codeOf(error))
  const requestId = requestIdOf(error)
  if (requestId !== undefined) span.attribute("http.request_id", requestId)
}

// No stack trace for the span: capturing one costs more than the rest of the client's work on a
// request, and the `http.client` spans below already say where the time went.
const spanOptions = { kind: "internal", captureStackTrace: false } as const

/**
 * The retry budget of one client, with the clock it is read by: the `Clock` of the client's first
 * request, kept so that the 2xx path can stamp its deposit without an Effect of its own.
 */
class ClientBudget {
  // Once per window a refusal is logged as a warning, so an outage shows at the default log level
  // without a line per request; the rest are debug, like the retries.
  private warnedAt = Number.NEGATIVE_INFINITY

  constructor(readonly budget: RetryBudget.RetryBudget, readonly clock: Clock.Clock) {}

  /** The success continuation of every attempt: one deposit, then the response as it came. */
  readonly onSuccess = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<HttpClientResponse.HttpClientResponse> => {
    this.budget.deposit(this.clock.unsafeCurrentTimeMillis())
    return Effect.succeed(response)
  }

  deposit(): void {
    this.budget.deposit(this.clock.unsafeCurrentTimeMillis())
  }

  tryWithdraw(): boolean {
    return this.budget.tryWithdraw(this.clock.unsafeCurrentTimeMillis())
  }

  refusalLevel(): LogLevel.LogLevel {
    const now = this.clock.unsafeCurrentTimeMillis()
    if (now - this.warnedAt < this.budget.options.windowMillis) return LogLevel.Debug
    this.warnedAt = now
    return LogLevel.Warning
  }
}

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`

/**
 * Ends a request whose retry the budget refused: the error as it is, its outcome on the span, and
 * a log line that says why.
 */
const refuse = <E>(
  span: Tracer.Span,
  error: E,
  n: number,
  code: string,
  request: HttpClientRequest.HttpClientRequest,
  client: ClientBudget
): Effect.Effect<never, E> => {
  recordOutcome(span, error, n)
  span.attribute("errata.retry_budget", "exhausted")
  const { minRetriesPerSecond, share } = client.budget.options
  return Effect.logWithLevel(
    client.refusalLevel(),
    `errata: ${code} on attempt ${n}, not retried: the client's retry budget is exhausted ` +
      `(retries are held to ${percent(share)} of the successful requests plus ${minRetriesPerSecond}/s)`
  ).pipe(
    Effect.annotateLogs({
      "errata.retry_budget": "exhausted",
      "errata.code": code,
      "errata.attempt": n,
      "http.request_id": requestIdOf(error) ?? "",
      "http.request.method": request.method,
      "url.full": request.url
    }),
    Effect.zipRight(Effect.fail(error))
  )
}

/**
 * Runs one logical request: the first attempt as is, so a request that succeeds pays for nothing
 * but a failure handler (and, with a retry budget, one deposit); from the first failure on,
 * everything happens in a span `errata.request <METHOD>` that parents the retries' `http.client`
 * spans and ends with the outcome's code, attempt count and request ID.
 */
const runWithRetries = <E, R>(
  effect: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>,
  request: HttpClientRequest.HttpClientRequest,
  options: Retry.Resolved,
  budget: ClientBudget | undefined
): Effect.Effect<HttpClientResponse.HttpClientResponse, E, R> => {
  const onSuccess = budget === undefined ? Effect.succeed : budget.onSuccess
  const afterFailure = (
    span: Tracer.Span,
    error: E,
    n: number,
    startedAt: number | undefined
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, E, R> => {
    if (n > options.times || !Retry.isRetryable(error)) {
      // A 404 or a 401 is the server doing its job: it earns the budget its share, like a 2xx.
      if (budget !== undefined && ApiError.isAny(error) && !Retry.isRetryable(error)) budget.deposit()
      recordOutcome(span, error, n)
      return Effect.fail(error)
    }
    return Effect.flatMap(Effect.zip(Clock.currentTimeMillis, Random.next), ([now, random]) => {
      const wait = Retry.decide(options, error, n, startedAt === undefined ? 0 : now - startedAt, random)
      if (wait === undefined) {
        recordOutcome(span, error, n)
        return Effect.fail(error)
      }
      const code = Retry.codeOf(error)
      // Asked last, so that only a retry that would really be made spends from the budget.
      if (budget !== undefined && !budget.tryWithdraw()) return refuse(span, error, n, code, request, budget)
      return Effect.logDebug(`errata: ${code} on attempt ${n}, retrying in ${wait}ms`).pipe(
        Effect.annotateLogs({
          "errata.code": code,
          "errata.attempt": n,
          "errata.delay_ms": wait,
          "http.request_id": requestIdOf(error) ?? "",
          "http.request.method": request.method,
          "url.full": request.url
        }),
        Effect.zipRight(Effect.sleep(wait)),
        Effect.zipRight(retry(span, n + 1, startedAt))
      )
    })
  }
  const retry = (
    span: Tracer.Span,
    n: number,
    startedAt: number | undefined
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, E, R> =>
    Effect.matchEffect(Effect.annotateSpans(effect, "errata.attempt", n), {
      onSuccess: (response) => {
        span.attribute("errata.attempt", n)
        const requestId = response.headers["x-request-id"]
        if (requestId !== undefined) span.attribute("http.request_id", requestId)
        return onSuccess(response)
      },
      onFailure: (error) => afterFailure(span, error, n, startedAt)
    })
  // `matchEffect` is what `catchAll` is made of: the success continuation that deposits costs no
  // more than the `succeed` that `catchAll` would put there.
  const first = (startedAt: number | undefined) =>
    Effect.matchEffect(effect, {
      onSuccess,
      onFailure: (error) =>
        Effect.useSpan(`errata.request ${request.method}`, spanOptions, (span) =>
          Effect.withParentSpan(afterFailure(span, error, 1, startedAt), span))
    })
  return options.budgetMillis === undefined ? first(undefined) : Effect.flatMap(Clock.currentTimeMillis, first)
}

/**
 * Retries transient failures (`Retry.isRetryable`: 429, 500, 503, drift with those statuses, a
 * proxy's 502/503/504 page, transport failures) with the `Retry` policy: exponential from 1 s,
 * doubling, capped at 60 s, ±20% jitter, at most `times` retries, an optional budget, and a
 * `Retry-After` winning over the computed wait. Apply it after `decodeErrors`, which is what turns
 * responses into failures it can see.
 *
 * The client it returns has a retry budget (`retryBudget`, on by default): one `RetryBudget` for
 * all its requests and fibers, made here, read with the `Clock` of its first request. Each
 * successful answer deposits 0.2 of a retry, each retry withdraws one, 10 retries per second are
 * always allowed; a transient failure that finds the budget empty is returned at once, logged
 * with `errata.retry_budget: "exhausted"` (a warning once per window, debug otherwise).
 *
 * Each retry is logged at debug level with code, attempt, delay and request ID. A request that
 * fails at least once gets a span `errata.request <METHOD>` from its first failure on: it parents
 * the retries' `http.client` spans (each annotated with its `errata.attempt`) and ends with
 * `errata.attempt`, `errata.code` and `http.request_id` of the last attempt. A request that
 * succeeds at once gets no extra span, so the common path costs nothing. The final error is the
 * last attempt's, and `ApiClient.attempts(error)` tells how many were made.
 * Interrupting the fiber during a wait stops at once; no further request is sent.
 *
 * @example
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = (yield* HttpClient.HttpClient).pipe(
 *     ApiClient.decodeErrors(),
 *     ApiClient.retryTransient({ times: 3, budget: "30 seconds", retryBudget: { share: 0.1 } })
 *   )
 *   return yield* client.get("https://api.example.com/v1/contacts")
 * })
 *
 * @since 0.1.0
 * @category combinators
 */
export const retryTransient: {
  (options?: RetryOptions): <E, R>(self: HttpClient.HttpClient.With<E, R>) => HttpClient.HttpClient.With<E, R>
  <E, R>(self: HttpClient.HttpClient.With<E, R>, options?: RetryOptions): HttpClient.HttpClient.With<E, R>
} = dual(
  (args) => isClient(args[0]),
  <E, R>(self: HttpClient.HttpClient.With<E, R>, options?: RetryOptions): HttpClient.HttpClient.With<E, R> => {
    const resolved = Retry.resolve(options)
    const keyed = options?.idempotencyKey === false ? self : withIdempotencyKey(self)
    const budgetOptions = options?.retryBudget
    // With no retries there is nothing to budget, and the 2xx path stays as it was.
    const budget = budgetOptions === false || resolved.times === 0 ? undefined : RetryBudget.make(budgetOptions)
    let tracked: ClientBudget | undefined
    // `transform` hands over the request after the request maps ran, and an effect that only
    // sends it: retrying that effect re-sends the same request, idempotency key included. Its
    // function runs once per request, inside the fiber that executes it.
    return HttpClient.transform(keyed, (effect, request) => {
      if (budget === undefined) return runWithRetries(effect, request, resolved, undefined)
      if (tracked !== undefined) return runWithRetries(effect, request, resolved, tracked)
      // The first request: the budget takes its clock from the fiber, once.
      return Effect.clockWith((clock) => {
        tracked ??= new ClientBudget(budget, clock)
        return runWithRetries(effect, request, resolved, tracked)
      })
    })
  }
)

const bearerPrefix = "Bearer "

/**
 * Builds the errata client over an `HttpClient`: base URL, `Authorization: Bearer`,
 * `Accept: application/json` (unless the request names another), `Idempotency-Key` on POST and
 * PATCH, error decoding with a bounded body, and retries of the transient failures.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClient = (client: HttpClient.HttpClient, options: Options): Client => {
  const baseUrl = options.baseUrl
  const apiKey = options.apiKey
  // Built once: the key is in memory either way, and a `Redacted` only has to stay out of logs.
  const authorization = bearerPrefix + (typeof apiKey === "string" ? apiKey : Redacted.value(apiKey))
  const withKeys = options.idempotencyKey !== false
  // One request map for everything the API wants on a request: each map is a step on every call.
  const prepared = HttpClient.mapRequest(client, (request) => {
    const headers: Record<string, string> = { authorization }
    if (request.headers["accept"] === undefined) headers["accept"] = "application/json"
    if (withKeys && needsIdempotencyKey(request)) headers["idempotency-key"] = globalThis.crypto.randomUUID()
    return HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, baseUrl), headers)
  })
  const decoded = decodeErrors(prepared, { maxErrorBodyBytes: options.maxErrorBodyBytes })
  return options.retry === false ? decoded : retryTransient(decoded, { ...options.retry, idempotencyKey: false })
}

/**
 * `fromHttpClient` over the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Client, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (client) => fromHttpClient(client, options))

/**
 * Provides `ApiClient` over the `HttpClient` you provide (e.g. `NodeHttpClient.layerUndici`,
 * `FetchHttpClient.layer`).
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Layer, Redacted } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const ApiLive = ApiClient.layer({
 *   baseUrl: "https://api.example.com/v1",
 *   apiKey: Redacted.make("sk_live_…"),
 *   retry: { times: 3, maxRetryAfter: "30 seconds" }
 * }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<ApiClient, never, HttpClient.HttpClient> =>
  Layer.effect(ApiClient, make(options))

/**
 * `layer` with its options read from `Config`. Without arguments it reads `ERRATA_BASE_URL` and
 * `ERRATA_API_KEY` (as `Redacted`); pass your own configs to read other names or set more options.
 *
 * @example
 * import { Config } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const ApiLive = ApiClient.layerConfig({
 *   baseUrl: Config.string("API_URL"),
 *   apiKey: Config.redacted("API_KEY"),
 *   maxErrorBodyBytes: Config.integer("API_MAX_ERROR_BODY").pipe(Config.withDefault(65_536))
 * })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config.Wrap<Options> = {
    baseUrl: Config.string("ERRATA_BASE_URL"),
    apiKey: Config.redacted("ERRATA_API_KEY")
  }
): Layer.Layer<ApiClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(ApiClient, Effect.flatMap(Config.unwrap(options), make))
