/**
 * The apps `bench/server-load.ts` and `bench/server-profile.ts` compare, by name: the same two
 * routes (a 200 and a 404) served bare, with pieces of errata's job done by hand, and with
 * `ServerErrors.middleware`. Importing this module serves nothing; `server-load-app.ts` serves one.
 */
import type { HttpApp } from "@effect/platform"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { ApiError } from "@errata/core"
import { ServerErrors } from "@errata/server"
import { Effect } from "effect"

const contact = { data: { id: "550e8400-e29b-41d4-a716-446655440000", name: "Ada Lovelace" }, meta: {} }
const notFoundBody = { error: { code: "NOT_FOUND", message: "Contact not found" } }
const raise = Effect.suspend(() => Effect.fail(new ApiError.NotFound({ message: "Contact not found" })))
const writtenByHand = Effect.sync(() => HttpServerResponse.unsafeJson(notFoundBody, { status: 404 }))

let served = 0

const routes = <E>(missing: Effect.Effect<HttpServerResponse.HttpServerResponse, E>) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/contacts/:id", HttpServerResponse.json(contact)),
    HttpRouter.get("/missing/:id", missing)
  )

/** The apps, by name. */
export const apps = {
  // What a server without errata does: the 404 written by hand, nothing raised.
  bare: routes(writtenByHand),
  // The bare router plus only the X-Request-ID header SPEC.md §4 asks of every response, with the
  // cheapest unique ID there is (a counter, a short flat string): the least any server following
  // the contract pays, errata or not.
  bareWithId: routes(writtenByHand).pipe(
    Effect.map((response) => HttpServerResponse.setHeader(response, "x-request-id", String(++served)))
  ),
  // The same error raised, and written by a hand-made catch-all: errata's job without errata.
  caught: routes(raise).pipe(
    Effect.catchAllCause(() =>
      Effect.sync(() => HttpServerResponse.unsafeJson(notFoundBody, { status: 404, headers: { "x-request-id": "fixed" } }))
    )
  ),
  errata: routes(raise).pipe(ServerErrors.middleware)
} satisfies Record<string, HttpApp.Default<unknown>>

/** The name of an app. */
export type AppName = keyof typeof apps

/** Whether `name` names an app. */
export const isAppName = (name: string | undefined): name is AppName => name !== undefined && Object.hasOwn(apps, name)
