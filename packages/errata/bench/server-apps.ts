/**
 * The apps the loopback load bench compares on Effect 4 (`bench/server-load.ts` at the root, with
 * `EDITION=effect4`), by name, as the Effect 3 edition's `bench/server-apps.ts`: the same two
 * routes, a 200 and a 404, served by the bare router, by a hand-written Effect-native middleware
 * that keeps errata's per-request promises, and by `ServerErrors.layer()`. Both middlewares are
 * global router middlewares, the way Effect 4 apps install them, and every app is served by
 * `HttpRouter.serve` without its access log (the Effect 3 apps have none). Importing this module
 * serves nothing; `server-app.ts` serves one.
 */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HttpServer } from "effect/http"
import { ApiError } from "errata"
import { ServerErrors } from "errata/server"

const contact = { data: { id: "550e8400-e29b-41d4-a716-446655440000", name: "Ada Lovelace" }, meta: {} }

const routes = <E>(missing: Effect.Effect<HttpServerResponse.HttpServerResponse, E>) =>
  Layer.mergeAll(
    HttpRouter.add("GET", "/contacts/:id", HttpServerResponse.json(contact)),
    HttpRouter.add("GET", "/missing/:id", missing)
  )

const raising = routes(Effect.suspend(() => Effect.fail(new ApiError.NotFound({ message: "Contact not found" }))))

// The same ID scheme as errata's (a random prefix per process and a counter), so that the two
// middlewares differ in how they keep the promises, not in how dear their IDs are.
const prefix = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0"))
  .join("")
let generated = 0
const safeId = /^[\w.:-]{1,128}$/

const wire = (status: number, code: string, message: string) =>
  HttpServerResponse.json({ error: { code, message } }, { status })

// What an Effect 4 user would write to keep errata's promises by hand, with the public API only:
// the errors it answers are the ones it declares it handles, the router's own 404 among them.
const native = HttpRouter.middleware<{ handles: ApiError.NotFound | HttpServerError.HttpServerError }>()(
  (app) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const incoming = request.headers["x-request-id"]
      const id = incoming !== undefined && safeId.test(incoming) ? incoming : `${prefix}-${++generated}`
      yield* Effect.annotateCurrentSpan("http.request.id", id)
      const response = yield* app.pipe(
        Effect.catchTags({
          NotFound: (error) => wire(error.status, error.code, error.message),
          HttpServerError: (error) =>
            error.reason._tag === "RouteNotFound"
              ? wire(404, "NOT_FOUND", "The resource does not exist")
              : Effect.fail(error)
        }),
        Effect.annotateLogs("requestId", id)
      )
      return HttpServerResponse.setHeader(response, "x-request-id", id)
    }),
  { global: true }
)

// Served as the Effect 3 apps are: no access log, no listen log.
const quiet = { disableLogger: true, disableListenLog: true } as const

/** The apps, by name, each a layer that serves it on the `HttpServer` it is given. */
export const apps = {
  // No promise kept: no request ID, and the 404 written by hand, nothing raised.
  bare: HttpRouter.serve(
    routes(Effect.sync(() =>
      HttpServerResponse.jsonUnsafe({ error: { code: "NOT_FOUND", message: "Contact not found" } }, { status: 404 })
    )),
    quiet
  ),
  native: HttpRouter.serve(Layer.mergeAll(raising, native), quiet),
  errata: HttpRouter.serve(Layer.mergeAll(raising, ServerErrors.layer()), quiet)
} satisfies Record<string, Layer.Layer<never, never, HttpServer.HttpServer>>

/** The name of an app. */
export type AppName = keyof typeof apps

/** Whether `name` names an app. */
export const isAppName = (name: string | undefined): name is AppName => name !== undefined && Object.hasOwn(apps, name)
