/**
 * The reference API's implementation: handlers over the store, bearer-key authentication with
 * scopes, the fault switch, rate limiting per key and tier, and errata's error middleware. Served
 * by errata's Node server on 127.0.0.1, with `/openapi.json` and a Scalar page at `/docs`.
 */
import { NodeHttpServerRequest } from "@effect/platform-node"
import { FaultKinds, Scopes, Tiers } from "@errata/reference"
import { Cause, Context, Effect, Layer, Option, Redacted } from "effect"
import { HttpRouter, HttpServer, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import type * as Types from "effect/Types"
import { ApiError } from "errata"
import { RateLimit, ServerErrors } from "errata/server"
import * as NodeServer from "errata/server/NodeServer"
import { Admin, Api, Authorization, CurrentKey, RequiredScope } from "./Api.js"
import { type Fault, Faults } from "./Faults.js"
import { Keys } from "./Keys.js"
import { type Collection, Store } from "./Store.js"

/** The tiers of SPEC.md §6, plus the reference API's own (`tiny`, so the tour can show a real 429). */
export const tiers: Readonly<Record<string, RateLimit.Tier>> = { ...RateLimit.tiers, ...Tiers.extra }

const notFound = (label: string) => new ApiError.NotFound({ message: `${label} not found` })

/**
 * The five operations of one resource, as handlers. The scope each needs was checked by
 * `Authorization` before the request was decoded (see `RequiredScope` in Api.ts).
 */
const crud = <A extends { readonly id: string }, Input, Patch>(
  collection: Collection<A, Input, Patch>,
  label: string
) => ({
  create: ({ headers, payload }: { readonly payload: Input; readonly headers: { readonly "idempotency-key"?: string } }) =>
    Effect.map(collection.create(payload, headers["idempotency-key"]), (data) => ({ data, meta: {} })),
  list: ({ query }: { readonly query: { readonly limit?: number; readonly offset?: number } }) =>
    Effect.suspend(() => {
      const limit = query.limit ?? 10
      const offset = query.offset ?? 0
      return Effect.map(collection.list(limit, offset), (page) => ({
        data: page.items,
        meta: { pagination: { limit, offset, hasMore: offset + page.items.length < page.total, total: page.total } }
      }))
    }),
  get: ({ params }: { readonly params: { readonly id: string } }) =>
    Effect.flatMap(
      collection.get(params.id),
      Option.match({ onNone: () => Effect.fail(notFound(label)), onSome: (data) => Effect.succeed({ data, meta: {} }) })
    ),
  update: ({ params, payload }: { readonly params: { readonly id: string }; readonly payload: Patch }) =>
    Effect.flatMap(
      collection.update(params.id, payload),
      Option.match({ onNone: () => Effect.fail(notFound(label)), onSome: (data) => Effect.succeed({ data, meta: {} }) })
    ),
  remove: ({ params }: { readonly params: { readonly id: string } }) =>
    Effect.flatMap(collection.remove(params.id), (removed) => (removed ? Effect.void : Effect.fail(notFound(label))))
})

const ContactsLive = HttpApiBuilder.group(Api, "contacts", (handlers) =>
  Effect.map(Store, (store) => {
    const ops = crud(store.contacts, "Contact")
    return handlers
      .handle("create", ops.create)
      .handle("list", ops.list)
      .handle("get", ops.get)
      .handle("update", ops.update)
      .handle("remove", ops.remove)
      .handle("search", ({ query }) =>
        Effect.map(store.contacts.list(100, 0), (page) => {
          const q = query.q.toLowerCase()
          const data = page.items.filter((c) => c.name.toLowerCase().includes(q) || c.email.toLowerCase().includes(q))
          return { data, meta: { pagination: { limit: 100, offset: 0, hasMore: false, total: data.length } } }
        }))
  }))

const BusinessesLive = HttpApiBuilder.group(Api, "businesses", (handlers) =>
  Effect.map(Store, (store) => {
    const ops = crud(store.businesses, "Business")
    return handlers.handle("create", ops.create).handle("list", ops.list).handle("get", ops.get).handle("update", ops.update)
      .handle("remove", ops.remove)
  }))

const MessagesLive = HttpApiBuilder.group(Api, "messages", (handlers) =>
  Effect.map(Store, (store) => {
    const ops = crud(store.messages, "Message")
    return handlers.handle("create", ops.create).handle("list", ops.list).handle("get", ops.get).handle("update", ops.update)
      .handle("remove", ops.remove)
  }))

const AdminLive = HttpApiBuilder.group(Api, Admin.identifier, (handlers) =>
  Effect.map(Faults, (faults) =>
    handlers
      .handle("armFault", ({ payload }) => faults.arm(payload))
      .handle("clearFaults", () => faults.clear)))

/**
 * Who is asking, and whether they may: the builder runs this around its decoding of the path, the
 * headers, the query and the body, so a key without the scope learns nothing of them. The scope is
 * the endpoint's own `RequiredScope` annotation, which Effect 4 hands the middleware with the
 * endpoint. An endpoint without one is refused to every key (closed unless opened).
 */
export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.map(Keys, (keys) =>
    Authorization.of({
      bearer: (httpEffect, { credential, endpoint }) =>
        Effect.gen(function*() {
          const key = yield* keys.lookup(Redacted.value(credential))
          if (Option.isNone(key)) return yield* new ApiError.Unauthorized({ message: "API key missing or invalid" })
          const scope = Option.getOrUndefined(Context.getOption(endpoint.annotations, RequiredScope))
          if (scope === undefined || !Scopes.allows(key.value.scopes, scope)) {
            return yield* new ApiError.InsufficientPermissions({
              message: scope === undefined ? "This API key may not use this endpoint" : `This API key lacks the ${scope} scope`,
              ...(scope === undefined ? {} : { details: { scope } })
            })
          }
          return yield* Effect.provideService(httpEffect, CurrentKey, key.value)
        })
    }))
)

// A client abort, as the Node server reports one: an interruption annotated `ClientAbort`.
const clientAborted = Effect.failCause(Cause.interrupt().pipe(Cause.annotate(HttpServerError.ClientAbort.annotation)))

const injected = (fault: Fault, request: HttpServerRequest.HttpServerRequest) => {
  switch (fault.kind) {
    case "unavailable":
      return Effect.succeed(ServerErrors.respond(new ApiError.ServiceUnavailable({ message: "Injected outage" })))
    case "internal":
      return Effect.succeed(ServerErrors.respond(new ApiError.InternalError()))
    case "rateLimited":
      return Effect.succeed(ServerErrors.respond(
        new ApiError.RateLimitExceeded({ details: { retryAfter: fault.retryAfterSeconds ?? 1 } })
      ))
    case "error":
      return Effect.succeed(ServerErrors.respond(ApiError.make(fault.code ?? "INTERNAL_ERROR", {
        message: fault.message ?? "Injected error",
        ...(fault.details === undefined ? {} : { details: fault.details })
      })))
    case "htmlBadGateway":
      return Effect.succeed(HttpServerResponse.text(FaultKinds.badGatewayPage, { status: 502, contentType: "text/html" }))
    case "dropConnection":
      // What a crashed upstream looks like to a client: the socket closes with no response. The
      // request then ends as any request whose connection is gone does, by a client-abort
      // interruption, which errata logs at debug level, not as a server error.
      NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
      return clientAborted
  }
}

/** An HTTP effect as a global router middleware takes and gives it. */
type App<E = Types.unhandled> = Effect.Effect<HttpServerResponse.HttpServerResponse, E, HttpServerRequest.HttpServerRequest>

/** Answers the request with an armed fault instead of the handler, when one applies. */
const withFaults = (faults: Faults["Service"]) => <E>(app: App<E>): App<E> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (FaultKinds.exempt(request.url)) return yield* app
    const fault = yield* faults.take(RateLimit.apiKey(request))
    return yield* (fault === undefined ? app : injected(fault, request))
  })

/**
 * One log line per request, inside errata's middleware so it carries the `requestId` annotation:
 * the line support finds from the ID a client reports.
 */
const logRequests = <E>(app: App<E>): App<E> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.onExit(app, (exit) =>
      Effect.logInfo(`${request.method} ${request.url}`).pipe(
        Effect.annotateLogs({
          "http.method": request.method,
          "http.url": request.url,
          "http.status": exit._tag === "Success" ? exit.value.status : "failure"
        })
      )))

/**
 * Rate limits per API key, with the key's tier; anonymous requests count per address, as `free`.
 * The bucket is the default one: the API key, else the client address.
 */
const RateLimitLive = Layer.unwrap(
  Effect.map(Keys, (keys) =>
    RateLimit.layer({
      tiers,
      identify: (request) =>
        Effect.map(keys.lookup(RateLimit.apiKey(request) ?? ""), (info) => ({
          tier: Option.match(info, { onNone: () => "free", onSome: (key) => key.tier })
        }))
    }))
)

/** The per-request log line, as a global router middleware. */
const LogRequestsLive = HttpRouter.middleware((app: App): App => logRequests(app), { global: true })

/** The fault switch, as a global router middleware. */
const FaultsLive = HttpRouter.middleware(Effect.map(Faults, (faults) => (app: App): App => withFaults(faults)(app)), {
  global: true
})

/** The API with its handlers, its document at `/openapi.json` and the security middleware. */
export const ApiLive = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
  Layer.provide([ContactsLive, BusinessesLive, MessagesLive, AdminLive]),
  Layer.provide(AuthorizationLive)
)

/** The services of one server instance with in-process state. */
export const ServicesLive = Layer.mergeAll(Store.layerMemory, Keys.layer, Faults.layer, RateLimit.layerMemory)

/**
 * A hook around everything, errata's middleware included, as a global router middleware: it sees
 * each response as the client gets it (tests record them).
 */
export type Outermost = (app: App<unknown>) => App<unknown>

/**
 * The middlewares, outermost first, as the Effect 3 edition's `ServerErrors(log(rateLimit(faults(app))))`:
 * errata's middleware outermost (after `outermost`, which only looks), then the request log
 * (inside it, so its lines carry the request ID), the rate limiter, and the fault switch (so an
 * injected fault is counted and carries `X-RateLimit-*`).
 *
 * Global router middlewares wrap in the order they are built, the first outermost, and
 * `Layer.mergeAll` builds its layers concurrently: each is built after the one before it here
 * (`provideMerge`), so the order does not depend on which layer was ready first. Each is a
 * middleware of its own, rather than one that provides the `RateLimiter` around the rest as the
 * Effect 3 edition's does: a service provided around the router would hide the route it found
 * from `ServerErrors`, which reads the path parameters of a failed request from it.
 */
const middlewaresLive = (outermost?: Outermost) => {
  const errors = ServerErrors.layer()
  const first = outermost === undefined ? errors : errors.pipe(
    Layer.provideMerge(HttpRouter.middleware<{ handles: unknown }>()((app): App => Effect.orDie(outermost(app)), { global: true }))
  )
  return FaultsLive.pipe(Layer.provideMerge(RateLimitLive), Layer.provideMerge(LogRequestsLive), Layer.provideMerge(first))
}

/** The router's content: the API, its document, the Scalar page at `/docs` and the middlewares. */
export const appLayer = (outermost?: Outermost) =>
  Layer.mergeAll(middlewaresLive(outermost), ApiLive, HttpApiScalar.layer(Api, { path: "/docs" }))

/**
 * Serves the API on 127.0.0.1 (port 0 picks a free one) with errata's Node server, which answers
 * the requests Node's parser refuses in the dialect too and lets path IDs be of any length (a
 * 4,000-character ID is `INVALID_CONTACT_ID`, not a 404). Logs the address it listens on, and one
 * line per request (`MiddlewareLive`), not the platform's access log.
 */
export const serverLayer = (port = 0, outermost?: Outermost) =>
  HttpRouter.serve(appLayer(outermost), { disableLogger: true }).pipe(
    Layer.provideMerge(NodeServer.layer({ port, host: "127.0.0.1" }))
  )

/** The port the server is listening on. */
export const boundPort = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "UnixPathAddress" ? 0 : server.address.port)
