/**
 * An `HttpClient` whose failures are errata's typed errors: every non-2xx response becomes the
 * `ApiError.Any` that `Wire.decode` gives, with its request ID, and the transient ones are retried
 * the way the API asks (SPEC.md §4, §5). Use `ApiClient.layer` for the whole package, or the
 * combinators `decodeErrors` and `retryTransient` on an `HttpClient` you build yourself.
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
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import type * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ApiError } from "@errata/core"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import type { Simplify } from "effect/Types"
import * as errorBody from "./internal/errorBody.js"
import * as derived from "./internal/fromApi.js"
import * as attemptCount from "./internal/attempts.js"
import * as redirect from "./internal/redirect.js"
import * as policy from "./internal/retryPolicy.js"
import * as timeout from "./internal/timeout.js"
import type * as Retry from "./Retry.js"

/**
 * Every failure the client can raise: one of the fourteen errata errors for a response that came
 * back non-2xx, or the platform's `HttpClientError` for a request that never got a response (a
 * `RequestError`, a timed-out attempt included).
 *
 * @example
 * import type { ApiClient } from "@errata/client"
 * const describe = (failure: ApiClient.Failure): string =>
 *   failure._tag === "RequestError" || failure._tag === "ResponseError" ? `no answer: ${failure.message}` : failure._tag
 *
 * @since 0.1.0
 * @category models
 */
export type Failure = ApiError.Any | HttpClientError.HttpClientError

/**
 * The client `ApiClient.layer` provides: an ordinary `HttpClient` whose error channel says what
 * it raises.
 *
 * @example
 * import { Effect } from "effect"
 * import type { ApiClient } from "@errata/client"
 * const listContacts = (client: ApiClient.Client) => Effect.flatMap(client.get("/contacts"), (response) => response.json)
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

// The default bound on how much of an error body is read.
const defaultMaxErrorBodyBytes = 64 * 1024

// The default per-attempt timeout. The API answers in milliseconds; an answer that takes a minute
// is one no proxy in front of it would have waited for: nginx's `proxy_read_timeout` and an AWS
// load balancer's idle timeout are 60 s, so past that the client would only be waiting for a 504.
const defaultTimeoutMillis = 60_000

/**
 * Options of `layer`, `layerConfig` and `fromHttpClient`; `decodeErrors` reads `maxErrorBodyBytes`
 * and `timeout`. How retries go is `Retry.Options`, under `retry`.
 *
 * @example
 * import { ApiClient } from "@errata/client"
 * const options: ApiClient.Options = {
 *   baseUrl: "https://api.example.com/v1",
 *   apiKey: "sk_live_…",
 *   timeout: "10 seconds",
 *   retry: { times: 3, upTo: "1 minute" }
 * }
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Prepended to every request URL, e.g. `"https://api.example.com/v1"`. */
  readonly baseUrl: string
  /** Sent as `Authorization: Bearer <key>`; a `Redacted` keeps it out of logs. */
  readonly apiKey: string | Redacted.Redacted
  /**
   * The retry policy of transient failures, the client's retry budget and its idempotency keys
   * (`Retry.Options`), or `false` for no retries at all.
   * @default {} (5 retries, 1 s doubling to 60 s, ±20% jitter; a retry budget of 20% of the
   * successes plus 10 retries per second over a 10 s window; an Idempotency-Key on POST and PATCH)
   */
  readonly retry?: Retry.Options | false | undefined
  /**
   * The most bytes of an error body that are read, counted after its `Content-Encoding` is undone;
   * past it the connection is dropped and the error is an `UnexpectedResponse` with reason
   * `TooLarge` and an excerpt of what arrived.
   * @default 65536 (64 KiB)
   */
  readonly maxErrorBodyBytes?: number | undefined
  /**
   * How long one attempt may take: sending the request, waiting for the response (redirects
   * included) and, for an error response, reading its body. An attempt that outlasts it is
   * aborted, its connection closed, and it fails with a `RequestError` whose reason is
   * `Transport` and whose `cause` is a `Cause.TimeoutException`: it is retried as a transport
   * failure is, and `retry.upTo` bounds the whole. A 2xx body is read by your code after the
   * client returned, outside this timeout. Runs on Effect's `Clock`. `false` turns it off.
   * @default "60 seconds" (what the usual proxies in front of an API wait before answering 504)
   */
  readonly timeout?: Duration.DurationInput | false | undefined
}

const timeoutMillisOf = (input: Options["timeout"]): number | undefined => {
  if (input === false) return undefined
  const millis = input === undefined ? defaultTimeoutMillis : Duration.toMillis(Duration.decode(input))
  return Number.isFinite(millis) ? Math.max(0, millis) : undefined
}

const isClient = (u: unknown): u is HttpClient.HttpClient.With<unknown, unknown> => Predicate.hasProperty(u, HttpClient.TypeId)

const isSuccess = (status: number): boolean => status >= 200 && status < 300

const noFollow: HttpClient.HttpClient.With<never> | undefined = undefined

// How `decodeErrors` runs: the body bound, the per-attempt timeout, and the client that sends a
// redirect's next request. Only `fromHttpClient` follows redirects, through the client under its
// own request maps: a redirect's request is complete (URL, key), and running maps such as
// `prependUrl` on it again would break it. On a client of your own, `decodeErrors` leaves
// redirects to that client.
interface Decoding<F> {
  readonly maxBytes: number
  readonly timeoutMillis: number | undefined
  readonly follow: HttpClient.HttpClient.With<F> | undefined
}

const timedOut = (request: HttpClientRequest.HttpClientRequest, millis: number): HttpClientError.RequestError => {
  const after = Duration.format(Duration.millis(millis))
  return new HttpClientError.RequestError({
    request,
    reason: "Transport",
    cause: new Cause.TimeoutException(`the attempt took longer than ${after}`),
    description: `the attempt timed out after ${after}`
  })
}

// A response as the client hands it on: a 2xx as it is, a redirect followed when `follow` is set,
// anything else decoded into its error.
const checker = <F, RF>(follow: HttpClient.HttpClient.With<F, RF> | undefined, maxBytes: number) => {
  const check = (
    response: HttpClientResponse.HttpClientResponse,
    redirects: number
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, F | ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError, RF> => {
    if (isSuccess(response.status)) return Effect.succeed(response)
    const next = follow !== undefined && redirects < redirect.maxRedirects ? redirect.next(response) : undefined
    if (follow === undefined || next === undefined) return errorBody.decode(response, maxBytes)
    return Effect.zipRight(
      errorBody.discard(response, maxBytes),
      Effect.flatMap(follow.execute(next), (followed) => check(followed, redirects + 1))
    )
  }
  return (response: HttpClientResponse.HttpClientResponse) => check(response, 0)
}

const decoding = <E, R, F>(
  self: HttpClient.HttpClient.With<E, R>,
  { follow, maxBytes, timeoutMillis }: Decoding<F>
): HttpClient.HttpClient.With<E | F | ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError, R> => {
  if (timeoutMillis === undefined) {
    const check = checker(follow, maxBytes)
    return HttpClient.transform(self, (effect) => Effect.flatMap(effect, check))
  }
  const millis = timeoutMillis
  // With a timeout, a redirect's next request is tied to the attempt's scope too.
  const check = checker(follow === undefined ? undefined : HttpClient.withScope(follow), maxBytes)
  const watchdog = new timeout.Watchdog(millis)
  const scoped = HttpClient.transform(HttpClient.withScope(self), (effect, request) =>
    // The attempt's scope goes into the fiber's context for the attempt only, and is taken out
    // again whatever the outcome (the handlers run uninterruptibly).
    watchdog.watch((scope) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(FiberRef.getAndUpdate(FiberRef.currentContext, Context.add(Scope.Scope, scope)), (context) => {
          const settle = {
            onSuccess: (response: HttpClientResponse.HttpClientResponse) => {
              watchdog.done(scope)
              return Effect.zipRight(
                FiberRef.set(FiberRef.currentContext, context),
                scope.expired ? Effect.fail(timedOut(request, millis)) : Effect.succeed(new timeout.Released(response, scope))
              )
            },
            onFailure: (cause: Cause.Cause<E | F | ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError>) => {
              watchdog.done(scope)
              const restored = FiberRef.set(FiberRef.currentContext, context)
              // The watchdog aborted the request: whatever failure that caused, the attempt timed out.
              if (scope.expired && !Cause.isInterruptedOnly(cause)) {
                return Effect.zipRight(restored, Effect.fail(timedOut(request, millis)))
              }
              // An interrupted attempt is aborted here. Any other failure needs nothing more: an
              // error body was read to its end, or cut (which ended its stream and dropped the
              // connection), or the connection failed.
              return Cause.isInterrupted(cause)
                ? restored.pipe(Effect.zipRight(Scope.close(scope, Exit.void)), Effect.zipRight(Effect.failCause(cause)))
                : Effect.zipRight(restored, Effect.failCause(cause))
            }
          }
          // A 2xx settles at once; anything else is decoded (or followed) inside the attempt first.
          return Effect.matchCauseEffect(restore(effect), {
            onSuccess: (response) =>
              isSuccess(response.status) ? settle.onSuccess(response) : Effect.matchCauseEffect(restore(check(response)), settle),
            onFailure: settle.onFailure
          })
        }))))
  // Boundary: `withScope` adds `Scope` to the client's requirements, and the transform above
  // provides one to every attempt, which `transform`'s type cannot see.
  return scoped as HttpClient.HttpClient.With<E | F | ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError, R>
}

/**
 * Turns every non-2xx response into the error `Wire.decode` gives, with the `X-Request-ID`
 * attached and a 429's `Retry-After` in its details. The error body is read up to
 * `maxErrorBodyBytes`, its `Content-Encoding` (gzip, deflate, br) undone whatever the client
 * underneath (a body in another coding is an `UnexpectedResponse`, reason `Undecodable`); 2xx
 * responses pass through untouched and unread. Each attempt is bounded by
 * `timeout` (60 s unless set), and one that outlasts it fails with a `RequestError` (reason
 * `Transport`, cause `Cause.TimeoutException`) after its request is aborted. A connection lost
 * while reading the error body is a `RequestError` with reason `Transport` too. Redirects are left
 * to the client underneath (`fromHttpClient` follows them itself, the way fetch does).
 *
 * @example
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = (yield* HttpClient.HttpClient).pipe(ApiClient.decodeErrors({ maxErrorBodyBytes: 16_384, timeout: "10 seconds" }))
 *   return yield* client.get("https://api.example.com/v1/contacts/42")
 * })
 *
 * @since 0.1.0
 * @category combinators
 */
export const decodeErrors: {
  (
    options?: Pick<Options, "maxErrorBodyBytes" | "timeout">
  ): <E, R>(self: HttpClient.HttpClient.With<E, R>) => HttpClient.HttpClient.With<E | ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError, R>
  <E, R>(
    self: HttpClient.HttpClient.With<E, R>,
    options?: Pick<Options, "maxErrorBodyBytes" | "timeout">
  ): HttpClient.HttpClient.With<E | ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError, R>
} = dual(
  (args) => isClient(args[0]),
  <E, R>(
    self: HttpClient.HttpClient.With<E, R>,
    options?: Pick<Options, "maxErrorBodyBytes" | "timeout">
  ): HttpClient.HttpClient.With<E | ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError, R> =>
    decoding(self, {
      maxBytes: Math.max(0, options?.maxErrorBodyBytes ?? defaultMaxErrorBodyBytes),
      timeoutMillis: timeoutMillisOf(options?.timeout),
      follow: noFollow
    })
)

const needsIdempotencyKey = (request: HttpClientRequest.HttpClientRequest): boolean =>
  (request.method === "POST" || request.method === "PATCH") && request.headers["idempotency-key"] === undefined

// Gives every POST and PATCH that has none an `Idempotency-Key` header with a fresh UUID. The key
// is set once per logical request, before the retries re-send it, so every retry of a create
// carries the same key.
const withIdempotencyKey = <E, R>(self: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
  // A request map runs when the request is executed, once per call to `execute`, never per retry.
  HttpClient.mapRequest(self, (request) =>
    needsIdempotencyKey(request)
      ? HttpClientRequest.setHeader(request, "idempotency-key", globalThis.crypto.randomUUID())
      : request)

/**
 * The number of attempts the request that failed with this error made, first one included: the
 * count `retryTransient` recorded, and 1 for any other errata error or `HttpClientError` (a client
 * with retries off, a failure the retries did not touch: one attempt was made). The same with
 * retries on and off. `undefined` for a value that is neither.
 *
 * The errors are core's `Schema.TaggedError` classes, whose fields are the wire contract; the
 * count is kept beside them (a `WeakMap` keyed by the error), so it survives `catchTags` and
 * re-raising but not copying the error into a new object. A bare `Retry.schedule` run with
 * `Effect.retry` records nothing: it never sees the requests.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const report = <A, R>(call: Effect.Effect<A, ApiClient.Failure, R>) =>
 *   Effect.tapError(call, (error) => Effect.log(`failed after ${ApiClient.attempts(error)} attempt(s)`))
 *
 * @since 0.1.0
 * @category getters
 */
export const attempts = (error: unknown): number | undefined =>
  attemptCount.get(error) ?? (ApiError.isAny(error) || HttpClientError.isHttpClientError(error) ? 1 : undefined)

const recordOutcome = (span: Tracer.Span, error: unknown, attempt: number): void => {
  attemptCount.set(error, attempt)
  span.attribute("errata.attempt", attempt)
  span.attribute("errata.code", policy.codeOf(error))
  const requestId = policy.requestIdOf(error)
  if (requestId !== undefined) span.attribute("http.request_id", requestId)
}

// No stack trace for the span: capturing one costs more than the rest of the client's work on a
// request, and the `http.client` spans below already say where the time went.
const spanOptions = { kind: "internal", captureStackTrace: false } as const

/**
 * Retries transient failures (`Retry.isRetryable`: 429, 500, 503, drift with those statuses, a
 * proxy's 502/503/504 page, transport failures) by running `Retry.schedule` with `Effect.retry`:
 * exponential from 1 s, doubling, capped at 60 s, ±20% jitter, at most `times` retries, an
 * optional `upTo`, a `Retry-After` winning over the computed wait, and a retry budget (on by
 * default) that all the client's requests and fibers share and that its successful answers (2xx,
 * and answers such as a 404 that are not worth a retry) refill. Apply it after `decodeErrors`,
 * which is what turns responses into failures it can see.
 *
 * The first attempt runs as it is, so a request that succeeds pays for nothing but a failure
 * handler and a deposit. From its first failure on, a request gets a span `errata.request
 * <METHOD>` that parents the retries' `http.client` spans (each annotated with its
 * `errata.attempt`) and ends with `errata.attempt`, `errata.code` and `http.request_id` of the
 * last attempt; the schedule's logs carry the method and URL. The final error is the last
 * attempt's, and `ApiClient.attempts(error)` tells how many were made. Interrupting the fiber
 * during a wait stops at once. With `times: 0` the client is returned as it was (with its
 * idempotency keys): a client that cannot retry pays nothing for retrying.
 *
 * @example
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = (yield* HttpClient.HttpClient).pipe(
 *     ApiClient.decodeErrors(),
 *     ApiClient.retryTransient({ times: 3, upTo: "30 seconds", retryBudget: { share: 0.1 } })
 *   )
 *   return yield* client.get("https://api.example.com/v1/contacts")
 * })
 *
 * @since 0.1.0
 * @category combinators
 */
export const retryTransient: {
  (options?: Retry.Options): <E, R>(self: HttpClient.HttpClient.With<E, R>) => HttpClient.HttpClient.With<E, R>
  <E, R>(self: HttpClient.HttpClient.With<E, R>, options?: Retry.Options): HttpClient.HttpClient.With<E, R>
} = dual(
  (args) => isClient(args[0]),
  <E, R>(self: HttpClient.HttpClient.With<E, R>, options: Retry.Options = {}): HttpClient.HttpClient.With<E, R> => {
    const resolved = policy.resolve(options)
    const keyed = options.idempotencyKey === false ? self : withIdempotencyKey(self)
    if (resolved.times === 0) return keyed
    const budget = policy.sharedBudget(options)
    const schedule = policy.engine(resolved, budget)
    const onSuccess = (response: HttpClientResponse.HttpClientResponse) => {
      budget?.deposit()
      return Effect.succeed(response)
    }
    // The retries of one logical request, from its first failure on: `Effect.retry` with the
    // schedule, over an effect whose first run hands the schedule that failure instead of
    // sending the request again.
    const retrying = (
      effect: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>,
      request: HttpClientRequest.HttpClientRequest,
      first: E
    ) =>
      Effect.useSpan(`errata.request ${request.method}`, spanOptions, (span) => {
        let attempt = 1
        let handedOver = false
        const attempts = Effect.suspend(() => {
          if (!handedOver) {
            handedOver = true
            return Effect.fail(first)
          }
          attempt++
          return Effect.annotateSpans(effect, "errata.attempt", attempt)
        })
        return Effect.retry(attempts, schedule).pipe(
          Effect.matchEffect({
            onSuccess: (response) => {
              span.attribute("errata.attempt", attempt)
              const requestId = response.headers["x-request-id"]
              if (requestId !== undefined) span.attribute("http.request_id", requestId)
              return onSuccess(response)
            },
            onFailure: (error) => {
              // A 404 or a 401 is the server doing its job: it earns the budget its share, like a 2xx.
              if (ApiError.isAny(error) && !policy.isRetryable(error)) budget?.deposit()
              recordOutcome(span, error, attempt)
              return Effect.fail(error)
            }
          }),
          Effect.annotateLogs({ "http.request.method": request.method, "url.full": request.url }),
          Effect.withParentSpan(span)
        )
      })
    // `transform` hands over the request after the request maps ran, and an effect that only
    // sends it: retrying that effect re-sends the same request, idempotency key included. Its
    // function runs once per request, inside the fiber that executes it.
    return HttpClient.transform(keyed, (effect, request) => {
      const run = Effect.matchEffect(effect, {
        onSuccess,
        onFailure: (error) => {
          if (policy.isRetryable(error)) return retrying(effect, request, error)
          if (ApiError.isAny(error)) budget?.deposit()
          attemptCount.set(error, 1)
          return Effect.fail(error)
        }
      })
      if (budget === undefined || budget.clock !== undefined) return run
      // The first request: the budget takes its clock from the fiber, once.
      return Effect.clockWith((clock) => {
        budget.clock ??= clock
        return run
      })
    })
  }
)

const bearerPrefix = "Bearer "

/**
 * Builds the errata client over an `HttpClient` you hold: base URL, `Authorization: Bearer`,
 * `Accept: application/json` and `Accept-Encoding: identity` (unless the request names others),
 * `Idempotency-Key` on POST and PATCH, redirects followed the way fetch follows them, error
 * decoding with a bounded body and a per-attempt timeout (`decodeErrors`), and retries
 * (`retryTransient`). `layer` does the same with the `HttpClient` in context.
 *
 * @example
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiClient } from "@errata/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = ApiClient.fromHttpClient(yield* HttpClient.HttpClient, { baseUrl: "https://api.example.com/v1", apiKey: "sk_live_…" })
 *   return yield* client.get("/contacts")
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHttpClient = (client: HttpClient.HttpClient, options: Options): Client => {
  const baseUrl = options.baseUrl
  const apiKey = options.apiKey
  // Built once: the key is in memory either way, and a `Redacted` only has to stay out of logs.
  const authorization = bearerPrefix + (typeof apiKey === "string" ? apiKey : Redacted.value(apiKey))
  const withKeys = options.retry !== false && options.retry?.idempotencyKey !== false
  // One request map for everything the API wants on a request: each map is a step on every call.
  const prepared = HttpClient.mapRequest(client, (request) => {
    const headers: Record<string, string> = { authorization }
    if (request.headers["accept"] === undefined) headers["accept"] = "application/json"
    // Bodies the caller reads with the platform's `response.json` must be readable under every
    // client: `NodeHttpClient` does not undo a content coding, so none is asked for.
    if (request.headers["accept-encoding"] === undefined) headers["accept-encoding"] = "identity"
    if (withKeys && needsIdempotencyKey(request)) headers["idempotency-key"] = globalThis.crypto.randomUUID()
    return HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, baseUrl), headers)
  })
  const decoded = decoding(prepared, {
    maxBytes: Math.max(0, options.maxErrorBodyBytes ?? defaultMaxErrorBodyBytes),
    timeoutMillis: timeoutMillisOf(options.timeout),
    follow: client
  })
  return options.retry === false ? decoded : retryTransient(decoded, { ...options.retry, idempotencyKey: false })
}

const make = (options: Options): Effect.Effect<Client, never, HttpClient.HttpClient> =>
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

type Method<Endpoint, Inherited> = [Endpoint] extends [
  HttpApiEndpoint.HttpApiEndpoint<
    infer _Name,
    infer _Method,
    infer Path,
    infer UrlParams,
    infer Payload,
    infer Headers,
    infer Success,
    infer Error,
    infer _R,
    infer _RE
  >
] ? <WithResponse extends boolean = false>(
    request: Simplify<HttpApiEndpoint.HttpApiEndpoint.ClientRequest<Path, UrlParams, Payload, Headers, WithResponse>>
  ) => Effect.Effect<
    WithResponse extends true ? [Success, HttpClientResponse.HttpClientResponse] : Success,
    // The catalog errors declared on the endpoint, its group and its API, drift, the transport,
    // and a body (or request) its schemas reject. Written out, so editors show the union itself.
    | Extract<Error | Inherited, ApiError.ApiError>
    | ApiError.UnknownApiError
    | ApiError.UnexpectedResponse
    | HttpClientError.HttpClientError
    | ParseResult.ParseError
  >
  : never

type Group<G, ApiE> = [G] extends [HttpApiGroup.HttpApiGroup<infer _Id, infer Endpoints, infer GroupE, infer _R, infer _TopLevel>]
  ? { readonly [Endpoint in Endpoints as HttpApiEndpoint.HttpApiEndpoint.Name<Endpoint>]: Method<Endpoint, GroupE | ApiE> }
  : never

type TopLevel<Groups, ApiE> = Extract<Groups, { readonly topLevel: true }> extends
  HttpApiGroup.HttpApiGroup<infer _Id, infer Endpoints, infer GroupE, infer _R, infer _TopLevel>
  ? Endpoints extends infer Endpoint ? [HttpApiEndpoint.HttpApiEndpoint.Name<Endpoint>, Method<Endpoint, GroupE | ApiE>] : never
  : never

/**
 * The client `fromApi` derives from an `HttpApi` definition: one method per endpoint, under its
 * group's name (top-level groups' at the root), taking what `HttpApiClient` takes (`path`,
 * `urlParams`, `payload`, `headers`, `withResponse`) and failing with exactly the catalog errors
 * declared on that endpoint, its group and its API, plus `UnknownApiError` and
 * `UnexpectedResponse` for drift, the platform's `HttpClientError` and a `ParseError` for a body
 * or a request its schemas reject.
 *
 * @example
 * import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
 * import { Schema } from "effect"
 * import { CatalogErrors } from "@errata/api"
 * import type { ApiClient } from "@errata/client"
 *
 * class Api extends HttpApi.make("api").add(
 *   HttpApiGroup.make("contacts").add(
 *     HttpApiEndpoint.get("list", "/contacts").addSuccess(Schema.Array(Schema.String)).pipe(CatalogErrors.add("INVALID_INPUT"))
 *   )
 * ) {}
 * type Client = ApiClient.ForApi<typeof Api>
 * type List = Client["contacts"]["list"]
 *
 * @since 0.1.0
 * @category models
 */
export type ForApi<Api> = Api extends HttpApi.HttpApi<infer _Id, infer Groups, infer ApiE, infer _R> ? Simplify<
    & { readonly [G in Extract<Groups, { readonly topLevel: false }> as HttpApiGroup.HttpApiGroup.Name<G>]: Group<G, ApiE> }
    & { readonly [M in TopLevel<Groups, ApiE> as M[0]]: M[1] }
  >
  : never

/**
 * Derives a typed client from an `HttpApi` definition, the one the server is built from, over the
 * errata client that `fromHttpClient` builds from the same `options`: base URL, key, retries with
 * `Retry-After` and the retry budget, idempotency keys, the error body bound, timeouts and spans.
 * Success bodies are decoded with each endpoint's success schema; every non-2xx response is the
 * errata error `Wire.decode` gives, with its request ID, so a 503 is retried before the method
 * sees it. A catalog error the endpoint does not declare is drift, and arrives as
 * `UnknownApiError` with its code. Declare errors with `CatalogErrors.add` (`@errata/api`).
 *
 * @example
 * import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
 * import { Effect, Schema } from "effect"
 * import { CatalogErrors, Ids } from "@errata/api"
 * import { ApiClient } from "@errata/client"
 *
 * const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
 * class Api extends HttpApi.make("api").add(
 *   HttpApiGroup.make("contacts").add(
 *     HttpApiEndpoint.get("get")`/contacts/${contactId}`
 *       .addSuccess(Schema.Struct({ name: Schema.String }))
 *       .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
 *   )
 * ) {}
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ApiClient.fromApi(Api, { baseUrl: "https://api.example.com/v1", apiKey: "sk_live_…" })
 *   return yield* client.contacts.get({ path: { contactId: Ids.ContactId.make("550e8400-e29b-41d4-a716-446655440000") } })
 * }).pipe(Effect.catchTags({ NotFound: (e) => Effect.succeed({ name: `gone (request ${e.requestId})` }) }))
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromApi = <ApiId extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, ApiE, ApiR>(
  api: HttpApi.HttpApi<ApiId, Groups, ApiE, ApiR>,
  options: Options
): Effect.Effect<
  ForApi<HttpApi.HttpApi<ApiId, Groups, ApiE, ApiR>>,
  never,
  HttpClient.HttpClient | HttpApiMiddleware.HttpApiMiddleware.Without<ApiR | HttpApiGroup.HttpApiGroup.ClientContext<Groups>>
> =>
  Effect.flatMap(make(options), (httpClient) =>
    Effect.map(
      HttpApiClient.makeWith(api, { httpClient }),
      // Boundary: `narrowed` keeps the methods `makeWith` built, each failing only with the errors
      // `ForApi` names for it (the undeclared catalog errors become `UnknownApiError`).
      (client) => derived.narrowed(api, client) as ForApi<HttpApi.HttpApi<ApiId, Groups, ApiE, ApiR>>
    ))
