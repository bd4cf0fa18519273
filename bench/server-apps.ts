/**
 * The apps `bench/server-load.ts` compares, by name: the same two routes, a 200 and a 404, served
 * by the bare router, by a hand-written Effect-native middleware that keeps errata's per-request
 * promises, and by `ServerErrors.middleware`. Importing this module serves nothing;
 * `server-app.ts` serves one.
 */
import type { HttpApp } from "@effect/platform"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { ApiError } from "@errata/core"
import { ServerErrors } from "@errata/server"
import { Effect } from "effect"

const contact = { data: { id: "550e8400-e29b-41d4-a716-446655440000", name: "Ada Lovelace" }, meta: {} }

const routes = <E>(missing: Effect.Effect<HttpServerResponse.HttpServerResponse, E>) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/contacts/:id", HttpServerResponse.json(contact)),
    HttpRouter.get("/missing/:id", missing)
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

// What an Effect user would write to keep errata's promises by hand, with the public API only.
const native = (app: typeof raising) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = request.headers["x-request-id"]
    const id = incoming !== undefined && safeId.test(incoming) ? incoming : `${prefix}-${++generated}`
    yield* Effect.annotateCurrentSpan("http.request.id", id)
    const response = yield* app.pipe(
      Effect.catchTags({
        NotFound: (error) => wire(error.status, error.code, error.message),
        RouteNotFound: () => wire(404, "NOT_FOUND", "The resource does not exist")
      }),
      Effect.annotateLogs("requestId", id)
    )
    return HttpServerResponse.setHeader(response, "x-request-id", id)
  })

/** The apps, by name. */
export const apps = {
  // No promise kept: no request ID, and the 404 written by hand, nothing raised.
  bare: routes(Effect.sync(() =>
    HttpServerResponse.unsafeJson({ error: { code: "NOT_FOUND", message: "Contact not found" } }, { status: 404 })
  )),
  native: native(raising),
  errata: raising.pipe(ServerErrors.middleware)
} satisfies Record<string, HttpApp.Default<unknown>>

/** The name of an app. */
export type AppName = keyof typeof apps

/** Whether `name` names an app. */
export const isAppName = (name: string | undefined): name is AppName => name !== undefined && Object.hasOwn(apps, name)
