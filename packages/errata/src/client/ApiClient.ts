/**
 * An `HttpClient` whose failures are errata's typed errors: every non-2xx response becomes the
 * `ApiError.Any` that `Wire.decode` gives, with its request ID, and the transient ones are retried
 * the way the API asks (SPEC.md §4, §5). Use `ApiClient.layer` for the whole package, or the
 * combinators `decodeErrors` and `retryTransient` on an `HttpClient` you build yourself.
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { ApiClient } from "errata/client"
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
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import type * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as Headers from "effect/http/Headers"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import type * as Tracer from "effect/Tracer"
import type { Simplify } from "effect/Types"
import * as ApiError from "../ApiError.js"
import * as attemptCount from "./internal/attempts.js"
import * as errorBody from "./internal/errorBody.js"
import * as derived from "./internal/fromApi.js"
import * as redirect from "./internal/redirect.js"
import * as policy from "./internal/retryPolicy.js"
import * as timeout from "./internal/timeout.js"
import type * as Retry from "./Retry.js"

/**
 * Every failure the client can raise: one of the fourteen errata errors for a response that came
 * back non-2xx, or the platform's `HttpClientError` for a request that never got a response (its
 * `reason` a `TransportError`, a timed-out attempt included).
 *
 * @example
 * import type { ApiClient } from "errata/client"
 * const describe = (failure: ApiClient.Failure): string =>
 *   failure._tag === "HttpClientError" ? `no answer: ${failure.reason._tag}` : failure._tag
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
 * import type { ApiClient } from "errata/client"
 * const listContacts = (client: ApiClient.Client) => Effect.flatMap(client.get("/contacts"), (response) => response.json)
 *
 * @since 0.1.0
 * @category models
 */
export interface Client extends HttpClient.HttpClient.With<Failure> {}

/**
 * The service of the errata client. A service of its own rather than `HttpClient.HttpClient`
 * because that one's error type is `HttpClientError` alone: providing errata's client under it
 * would hide the typed errors from `catchTags`.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiClient } from "errata/client"
 *
 * const contact = Effect.flatMap(ApiClient.ApiClient, (client) => client.get("/contacts/42"))
 *
 * @since 0.1.0
 * @category services
 */
export class ApiClient extends Context.Service<ApiClient, Client>()("errata/client/ApiClient") {}

// The default bound on how much of an error body is read.
const defaultMaxErrorBodyBytes = 64 * 1024

/**
 * Options of `layer`, `layerConfig` and `fromHttpClient`; `decodeErrors` reads `maxErrorBodyBytes`
 * and `timeout`. How retries go is `Retry.Options`, under `retry`.
 *
 * @example
 * import type { ApiClient } from "errata/client"
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
   * interrupted, its connection closed, and it fails with an `HttpClientError` whose reason is a
   * `TransportError` with a `Cause.TimeoutError` as its `cause`: it is retried as a transport
   * failure is, and `retry.upTo` bounds the whole. A 2xx body is read by your code after the
   * client returned, outside this timeout. Runs on Effect's `Clock`. `false` turns it off.
   * @default "60 seconds" (what the usual proxies in front of an API wait before answering 504)
   */
  readonly timeout?: Duration.Input | false | undefined
}

const isSuccess = (status: number): boolean => status >= 200 && status < 300

/** The error side of an errata client: what `decodeErrors` adds to the client's own failures. */
type Decoded<E> = E | ApiError.Any | HttpClientError.HttpClientError

/**
 * What a combinator does to each request's effect (`HttpClient.transform`'s function): the
 * layer's client runs `decodeErrors`' and `retryTransient`'s in one transform, one step fewer on
 * every request than the two combinators stacked.
 */
type Step<E, R, E2, R2> = (
  effect: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>,
  request: HttpClientRequest.HttpClientRequest
) => Effect.Effect<HttpClientResponse.HttpClientResponse, E2, R2>

// A response as the client hands it on: a 2xx as it is, a redirect followed when `follow` is set,
// anything else decoded into its error.
const checker = <F, RF>(follow: HttpClient.HttpClient.With<F, RF> | undefined, maxBytes: number) => {
  const check = (
    response: HttpClientResponse.HttpClientResponse,
    redirects: number
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, F | ApiError.Any | HttpClientError.HttpClientError, RF> => {
    if (isSuccess(response.status)) return Effect.succeed(response)
    const next = follow !== undefined && redirects < redirect.maxRedirects ? redirect.next(response) : undefined
    if (follow === undefined || next === undefined) return errorBody.decode(response, maxBytes)
    return Effect.andThen(
      errorBody.discard(response, maxBytes),
      Effect.flatMap(follow.execute(next), (followed) => check(followed, redirects + 1))
    )
  }
  return (response: HttpClientResponse.HttpClientResponse) => check(response, 0)
}

// How `decodeErrors` runs: the body bound, the per-attempt timeout, and the client that sends a
// redirect's next request. Only `fromHttpClient` follows redirects, through the client under its
// own request map: a redirect's request is complete (URL, key), and running maps such as the base
// URL on it again would break it. On a client of your own, `decodeErrors` leaves redirects to it.
const decodeStep = <E, R, F, RF>(
  maxBytes: number,
  timeoutMillis: number | undefined,
  follow: HttpClient.HttpClient.With<F, RF> | undefined
): Step<E, R, Decoded<E | F>, R | RF> => {
  const check = checker(follow, maxBytes)
  if (timeoutMillis === undefined) return (effect) => Effect.flatMap(effect, check)
  // The attempt is the request, the redirects followed, and the error body.
  const watchdog = new timeout.Watchdog(timeoutMillis)
  return (effect, request) => watchdog.bound(Effect.flatMap(effect, check), request)
}

type DecodeOptions = Pick<Options, "maxErrorBodyBytes" | "timeout">

const maxBytesOf = (options: DecodeOptions | undefined): number =>
  Math.max(0, options?.maxErrorBodyBytes ?? defaultMaxErrorBodyBytes)

/**
 * Turns every non-2xx response into the error `Wire.decode` gives, with the `X-Request-ID`
 * attached and a 429's `Retry-After` in its details. The error body is read up to
 * `maxErrorBodyBytes`, its `Content-Encoding` (gzip, deflate, br) undone whatever the client
 * underneath (a body in another coding is an `UnexpectedResponse`, reason `Undecodable`); 2xx
 * responses pass through untouched and unread. Each attempt is bounded by `timeout` (60 s unless
 * set), and one that outlasts it fails with an `HttpClientError` (reason `TransportError`, cause
 * `Cause.TimeoutError`) after its request is aborted. A connection lost while reading the error
 * body is a `TransportError` too. Redirects are left to the client underneath (`fromHttpClient`
 * follows them, the way fetch does).
 *
 * @example
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { ApiClient } from "errata/client"
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
  (options?: DecodeOptions): <E, R>(self: HttpClient.HttpClient.With<E, R>) => HttpClient.HttpClient.With<Decoded<E>, R>
  <E, R>(self: HttpClient.HttpClient.With<E, R>, options?: DecodeOptions): HttpClient.HttpClient.With<Decoded<E>, R>
} = dual(
  (args) => HttpClient.isHttpClient(args[0]),
  <E, R>(self: HttpClient.HttpClient.With<E, R>, options?: DecodeOptions): HttpClient.HttpClient.With<Decoded<E>, R> =>
    HttpClient.transform(self, decodeStep<E, R, never, never>(maxBytesOf(options), timeout.millisOf(options?.timeout), undefined))
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
 * The errors are core's classes, whose fields are the wire contract; the count is kept beside
 * them (a `WeakMap` keyed by the error), so it survives `catchTags` and re-raising but not
 * copying the error into a new object. A bare `Retry.schedule` run with `Effect.retry` records
 * nothing: it never sees the requests.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiClient } from "errata/client"
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

const spanOptions: Tracer.SpanOptionsNoTrace = { kind: "internal" }

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
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { ApiClient } from "errata/client"
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
  (args) => HttpClient.isHttpClient(args[0]),
  <E, R>(self: HttpClient.HttpClient.With<E, R>, options: Retry.Options = {}): HttpClient.HttpClient.With<E, R> => {
    const keyed = options.idempotencyKey === false ? self : withIdempotencyKey(self)
    const step = retryStep(options)
    return step === undefined ? keyed : HttpClient.transform(keyed, step)
  }
)

/** `retryTransient`'s work on one request's effect, whatever that effect fails with. */
interface RetryStep {
  <E, R>(
    effect: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>,
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>
}

// The retry step of a policy, with the schedule and the retry budget it owns; `undefined` when
// the policy makes no retry (`times: 0`).
const retryStep = (options: Retry.Options): RetryStep | undefined => {
  const resolved = policy.resolve(options)
  if (resolved.times === 0) return undefined
  const budget = policy.sharedBudget(options)
  const schedule = policy.engine(resolved, budget)
  const onSuccess = (response: HttpClientResponse.HttpClientResponse) => {
    budget?.deposit()
    return Effect.succeed(response)
  }
  // The retries of one logical request, from its first failure on: `Effect.retry` with the
  // schedule, over an effect whose first run hands the schedule that failure instead of sending
  // the request again.
  const retrying = <E, R>(
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
  // The effect is one that only sends the request the maps made: retrying it re-sends the same
  // request, idempotency key included. This runs once per request, inside the fiber that
  // executes it.
  return <E, R>(effect: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>, request: HttpClientRequest.HttpClientRequest) => {
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
  }
}

const bearerPrefix = "Bearer "

/**
 * Builds the errata client over an `HttpClient` you hold: base URL, `Authorization: Bearer`,
 * `Accept: application/json` and `Accept-Encoding: identity` (unless the request names others),
 * `Idempotency-Key` on POST and PATCH, redirects followed the way fetch follows them (at most
 * 20, whatever the client underneath), error decoding with a bounded body and a per-attempt
 * timeout (`decodeErrors`), and retries (`retryTransient`). `layer` does the same
 * with the `HttpClient` in context.
 *
 * @example
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { ApiClient } from "errata/client"
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
  // One request map for everything the API wants on a request, building the request once
  // (`makeWith`) rather than a copy per header and one for the URL: each is a step on every call.
  const prepared = HttpClient.mapRequest(client, (request) => {
    const headers: Record<string, string> = { ...request.headers, authorization }
    if (headers["accept"] === undefined) headers["accept"] = "application/json"
    // Bodies the caller reads with the platform's `response.json` must be readable under every
    // client: `NodeHttpClient` does not undo a content coding, so none is asked for.
    if (headers["accept-encoding"] === undefined) headers["accept-encoding"] = "identity"
    if (withKeys && needsIdempotencyKey(request)) headers["idempotency-key"] = globalThis.crypto.randomUUID()
    return HttpClientRequest.makeWith(
      request.method,
      joinUrl(baseUrl, request.url),
      request.urlParams,
      request.hash,
      Headers.fromRecordUnsafe(headers),
      request.body
    )
  })
  // Redirects are followed with `client`, under the request map: a redirect's request is complete.
  const decode = decodeStep<HttpClientError.HttpClientError, never, HttpClientError.HttpClientError, never>(
    maxBytesOf(options),
    timeout.millisOf(options.timeout),
    client
  )
  const retry = options.retry === false ? undefined : retryStep(options.retry ?? {})
  return HttpClient.transform(prepared, retry === undefined ? decode : (effect, request) => retry(decode(effect, request), request))
}

// `HttpClientRequest.prependUrl`'s join: one slash between the base URL and the path.
const joinUrl = (base: string, path: string): string => {
  if (base === "") return path
  const endsWithSlash = base.endsWith("/")
  const startsWithSlash = path.startsWith("/")
  return endsWithSlash && startsWithSlash ? base + path.slice(1) : !endsWithSlash && !startsWithSlash ? `${base}/${path}` : base + path
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
 * import { ApiClient } from "errata/client"
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
 * import { ApiClient } from "errata/client"
 *
 * const ApiLive = ApiClient.layerConfig({
 *   baseUrl: Config.String("API_URL"),
 *   apiKey: Config.Redacted("API_KEY"),
 *   maxErrorBodyBytes: Config.Int("API_MAX_ERROR_BODY").pipe(Config.withDefault(65_536))
 * })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Wrap<Options> = {
    baseUrl: Config.String("ERRATA_BASE_URL"),
    apiKey: Config.Redacted("ERRATA_API_KEY")
  }
): Layer.Layer<ApiClient, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(ApiClient, Effect.flatMap(Config.unwrap(options), make))

// The catalog classes among the errors `E`, one by one: built from the catalog's union rather than
// from `E`, so editors list the classes, not the aliases they were declared with (`ApiErrorOf<…>`).
type Declared<E> = ApiError.ApiError extends infer C ? C extends E ? C : never : never

// One method of the client `fromApi` derives: what `HttpApiClient` takes (`params`, `query`,
// `payload`, `headers`, `responseMode`), failing with the endpoint's catalog errors only.
// A conditional type, so that editors show the signature itself rather than this alias' name.
type EndpointMethod<Endpoint> = Endpoint extends HttpApiEndpoint.ConstraintRequest ? <
    Mode extends HttpApiEndpoint.ClientResponseMode = "decoded-only"
  >(
  request: Simplify<
    HttpApiEndpoint.ClientRequest<Endpoint["~Params"], Endpoint["~Query"], Endpoint["~Payload"], Endpoint["~Headers"], Mode>
  >
) => Effect.Effect<
  HttpApiClient.Client.Response<HttpApiClient.SuccessType<Endpoint["~Success"]>, Mode>,
  // The catalog errors declared on the endpoint, its group, its API and their middleware, drift,
  // the transport, and a body (or request) its schemas reject. Written out, so editors show the
  // union itself.
  | Declared<Endpoint["~Error"]["Type"] | HttpApiMiddleware.Error<Endpoint["~Middleware"]>>
  | ApiError.UnknownApiError
  | ApiError.UnexpectedResponse
  | HttpClientError.HttpClientError
  | Schema.SchemaError,
  | Endpoint["~Params"]["EncodingServices"]
  | Endpoint["~Query"]["EncodingServices"]
  | Endpoint["~Payload"]["EncodingServices"]
  | Endpoint["~Headers"]["EncodingServices"]
  | Endpoint["~Success"]["DecodingServices"]
>
  : never

type GroupMethods<Group extends HttpApiGroup.Constraint> = Group["endpoints"] extends
  infer Endpoints extends Readonly<Record<string, HttpApiEndpoint.ConstraintRequest>>
  ? { readonly [Identifier in keyof Endpoints]: EndpointMethod<Endpoints[Identifier]> }
  : {}

/**
 * The client `fromApi` derives from an `HttpApi` definition: one method per endpoint, under its
 * group's identifier (top-level groups' at the root), taking what `HttpApiClient` takes
 * (`params`, `query`, `payload`, `headers`, `responseMode`) and failing with exactly the catalog
 * errors its endpoint, its group, its API and their middleware declare, plus `UnknownApiError`
 * (drift), `UnexpectedResponse`, `HttpClientError` and `Schema.SchemaError`.
 *
 * Effect 4's `HttpApiClient` has no `withResponse`; `responseMode: "decoded-and-response"` gives
 * `[success, response]` and `"response-only"` the response alone (a non-2xx still fails with its
 * errata error: the client underneath decodes it).
 *
 * @example
 * import type { Effect } from "effect"
 * import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
 * import { CatalogErrors, Ids } from "errata/api"
 * import type { ApiClient } from "errata/client"
 *
 * class Api extends HttpApi.make("api").add(
 *   HttpApiGroup.make("contacts").add(
 *     HttpApiEndpoint.get("get", "/contacts/:contactId", { params: { contactId: Ids.ContactId } })
 *       .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
 *   )
 * ) {}
 *
 * type Client = ApiClient.ForApi<typeof Api>
 * type GetFailure = Effect.Error<ReturnType<Client["contacts"]["get"]>>
 *
 * @since 0.1.0
 * @category models
 */
export type ForApi<Api> = Api extends HttpApi.HttpApi<infer _Id, infer Groups> ? Simplify<
    & {
      readonly [Group in Extract<Groups, { readonly topLevel: false }> as HttpApiGroup.Identifier<Group>]: GroupMethods<
        Group
      >
    }
    & {
      readonly [
        Endpoint in Extract<
          HttpApiGroup.Endpoints<Extract<Groups, { readonly topLevel: true }>>,
          HttpApiEndpoint.ConstraintRequest
        > as Endpoint["identifier"]
      ]: EndpointMethod<Endpoint>
    }
  >
  : never

/**
 * Derives a typed client from an `HttpApi` definition, the one the server is built from, on
 * Effect's `HttpApiClient.makeWith` over the errata client that `fromHttpClient` builds from the
 * same `options`: base URL, key, retries with `Retry-After` and the retry budget, idempotency
 * keys, the error body bound, timeouts. Success bodies are decoded with each endpoint's success
 * schema; every non-2xx response is the errata error `Wire.decode` gives, with its request ID, so
 * a 503 is retried before the method sees it. A catalog error the endpoint does not declare is
 * drift, and arrives as `UnknownApiError` with its code (and its attempt count, `attempts`).
 * Declare errors with `CatalogErrors.add` (`errata/api`).
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
 * import { CatalogErrors, Ids } from "errata/api"
 * import { ApiClient } from "errata/client"
 *
 * class Api extends HttpApi.make("api").add(
 *   HttpApiGroup.make("contacts").add(
 *     HttpApiEndpoint.get("get", "/contacts/:contactId", {
 *       params: { contactId: Ids.ContactId },
 *       success: Schema.Struct({ name: Schema.String })
 *     }).pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
 *   )
 * ) {}
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ApiClient.fromApi(Api, { baseUrl: "https://api.example.com/v1", apiKey: "sk_live_…" })
 *   return yield* client.contacts.get({ params: { contactId: Ids.ContactId.make("550e8400-e29b-41d4-a716-446655440000") } })
 * }).pipe(Effect.catchTags({ NotFound: (e) => Effect.succeed({ name: `gone (request ${e.requestId})` }) }))
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromApi = <ApiId extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<ApiId, Groups>,
  options: Options
): Effect.Effect<
  ForApi<HttpApi.HttpApi<ApiId, Groups>>,
  never,
  HttpClient.HttpClient | HttpApiGroup.MiddlewareClient<Groups>
> =>
  Effect.flatMap(make(options), (httpClient) =>
    Effect.map(
      HttpApiClient.makeWith(api, { httpClient }),
      // Boundary: `narrowed` keeps the methods `makeWith` built, each failing only with the errors
      // `ForApi` names for it (the undeclared catalog errors become `UnknownApiError`).
      (client) => derived.narrowed(api, client) as ForApi<HttpApi.HttpApi<ApiId, Groups>>
    ))
