/**
 * The reference API's implementation: handlers over the store, bearer-key authentication with
 * scopes, the fault switch, rate limiting per key and tier, and errata's error middleware. Served
 * by `@effect/platform-node` on 127.0.0.1, with `/openapi.json` and a Scalar page at `/docs`.
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import {
  HttpApiBuilder,
  HttpApiScalar,
  type HttpApp,
  HttpRouter,
  HttpServer,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { ApiError } from "@errata/core"
import { RateLimit, ServerErrors } from "@errata/server"
import * as NodeServer from "@errata/server/NodeServer"
import { FaultKinds, Scopes, Tiers } from "@errata/reference"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { Admin, Api, Authorization, RequiredScope } from "./Api.js"
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
  create: ({ payload, headers }: { readonly payload: Input; readonly headers: { readonly "idempotency-key"?: string | undefined } }) =>
    Effect.map(collection.create(payload, headers["idempotency-key"]), (data) => ({ data, meta: {} })),
  list: ({ urlParams }: { readonly urlParams: { readonly limit?: number | undefined; readonly offset?: number | undefined } }) =>
    Effect.suspend(() => {
      const limit = urlParams.limit ?? 10
      const offset = urlParams.offset ?? 0
      return Effect.map(collection.list(limit, offset), (page) => ({
        data: page.items,
        meta: { pagination: { limit, offset, hasMore: offset + page.items.length < page.total, total: page.total } }
      }))
    }),
  get: ({ path }: { readonly path: { readonly id: string } }) =>
    Effect.flatMap(
      collection.get(path.id),
      Option.match({ onNone: () => Effect.fail(notFound(label)), onSome: (data) => Effect.succeed({ data, meta: {} }) })
    ),
  update: ({ path, payload }: { readonly path: { readonly id: string }; readonly payload: Patch }) =>
    Effect.flatMap(
      collection.update(path.id, payload),
      Option.match({ onNone: () => Effect.fail(notFound(label)), onSome: (data) => Effect.succeed({ data, meta: {} }) })
    ),
  remove: ({ path }: { readonly path: { readonly id: string } }) =>
    Effect.flatMap(collection.remove(path.id), (removed) => (removed ? Effect.void : Effect.fail(notFound(label))))
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
      .handle("search", ({ urlParams }) =>
        Effect.map(store.contacts.list(100, 0), (page) => {
          const q = urlParams.q.toLowerCase()
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

// The scope of each endpoint, by the route the builder made of it: `POST /contacts` → `contacts:write`.
const scopesByRoute: ReadonlyMap<string, Scopes.Scope> = new Map(
  Object.values(Api.groups).flatMap((group) =>
    Object.values(group.endpoints).flatMap((endpoint) =>
      Option.match(Context.getOption(endpoint.annotations, RequiredScope), {
        onNone: () => [],
        onSome: (scope) => [[`${endpoint.method} ${endpoint.path}`, scope] as const]
      })
    )
  )
)

/**
 * Who is asking, and whether they may: the builder runs this before it decodes the path, the body
 * or the query, so a key without the scope learns nothing of them. An endpoint without a
 * `RequiredScope` is refused to every key (closed unless opened).
 */
const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.map(Keys, (keys) =>
    Authorization.of({
      bearer: (token) =>
        Effect.gen(function*() {
          const key = yield* keys.lookup(Redacted.value(token))
          if (Option.isNone(key)) return yield* new ApiError.Unauthorized({ message: "API key missing or invalid" })
          const { route } = yield* HttpRouter.RouteContext
          const scope = scopesByRoute.get(`${route.method} ${route.path}`)
          if (scope === undefined || !Scopes.allows(key.value.scopes, scope)) {
            return yield* new ApiError.InsufficientPermissions({
              message: scope === undefined ? "This API key may not use this endpoint" : `This API key lacks the ${scope} scope`,
              ...(scope === undefined ? {} : { details: { scope } })
            })
          }
          return key.value
        })
    }))
)

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
      // request then ends as any request whose connection is gone does, by the platform's
      // client-abort interruption, which errata logs at debug level, not as a server error.
      NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
      return Effect.interruptWith(HttpServerError.clientAbortFiberId)
  }
}

/** Answers the request with an armed fault instead of the handler, when one applies. */
const withFaults = (faults: Faults["Type"]) => (app: HttpApp.Default): HttpApp.Default =>
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
const logRequests = (app: HttpApp.Default): HttpApp.Default =>
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
 * Inside `ServerErrors.layer()` (see `HttpLive`), so its log lines carry the request ID.
 */
const MiddlewareLive = HttpApiBuilder.middleware(
  Effect.gen(function*() {
    const faults = yield* Faults
    const keys = yield* Keys
    const limiter = yield* RateLimiter.RateLimiter
    // The bucket is the default one: the API key, else the client address.
    const limit = RateLimit.make({
      tiers,
      identify: (request) =>
        Effect.map(keys.lookup(RateLimit.apiKey(request) ?? ""), (info) => ({
          tier: Option.match(info, { onNone: () => "free", onSome: (key) => key.tier })
        }))
    })
    return (app: HttpApp.Default): HttpApp.Default =>
      logRequests(Effect.provideService(limit(withFaults(faults)(app)), RateLimiter.RateLimiter, limiter))
  })
)

/** The API with its handlers and middleware; needs a store, keys, faults and a rate limiter. */
export const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide(
    Layer.mergeAll(ContactsLive, BusinessesLive, MessagesLive, AdminLive).pipe(Layer.provide(AuthorizationLive))
  )
)

/** The services of one server instance with in-process state. */
export const ServicesLive = Layer.mergeAll(Store.layerMemory, Keys.layer, Faults.layer, RateLimit.layerMemory)

/**
 * The HTTP app with the docs pages and middleware, ready for any `HttpServer`; `outermost`, when
 * given, wraps all of it. API-level
 * middleware built later wraps the one built before: `ServerErrors.layer()` is provided above
 * `MiddlewareLive`, so it is built after it and is the outermost, as errata's middleware must be.
 * It also lets path IDs be of any length (a 4,000-character ID is `INVALID_CONTACT_ID`, not a 404).
 */
export const httpLive = (outermost?: (app: HttpApp.Default) => HttpApp.Default) =>
  HttpApiBuilder.serve(outermost).pipe(
    Layer.provide(HttpApiScalar.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(ServerErrors.layer()),
    Layer.provide(MiddlewareLive),
    Layer.provide(ApiLive)
  )

/** `httpLive()`: the app as users get it. */
export const HttpLive = httpLive()

/**
 * Serves the API on 127.0.0.1 (port 0 picks a free one). `outermost` wraps everything, errata's
 * middleware included, so it sees each response as the client gets it (the tests record them).
 */
export const serverLayer = (port = 0, outermost?: (app: HttpApp.Default) => HttpApp.Default) =>
  httpLive(outermost).pipe(
    HttpServer.withLogAddress,
    // Node's server, with the requests its parser refuses answered in the dialect too.
    Layer.provideMerge(NodeServer.layer({ port, host: "127.0.0.1" }))
  )

/** The port the server is listening on. */
export const boundPort = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? server.address.port : 0)
