import { HttpRouter } from "@effect/platform"
import { describe, expect, layer } from "@effect/vitest"
import { ApiError, Catalog } from "@errata/core"
import { cases, ignoredHeaders, message } from "@errata/dialect/fixtures/golden"
import { ServerErrors } from "@errata/server"
import { Effect, Schema } from "effect"
import { send, serveApp } from "./support/Serve.js"

// The golden cases of @errata/dialect, raised in a handler (and returned by `respond`), answered by
// the middleware over a real socket: every edition's server must write exactly these bytes.
const golden = (code: Catalog.Code) => {
  const { details } = cases[code]
  return ApiError.make(code, { message, ...(details === undefined ? {} : { details }) })
}

const Code = HttpRouter.schemaPathParams(Schema.Struct({ code: Schema.Literal(...Catalog.codes) }))

const app = HttpRouter.empty.pipe(
  HttpRouter.get("/raise/:code", Effect.flatMap(Code, ({ code }) => Effect.fail(golden(code)))),
  HttpRouter.get("/respond/:code", Effect.map(Code, ({ code }) => ServerErrors.respond(golden(code)))),
  ServerErrors.middleware
)

// Every header but the request ID and the ones Node's HTTP server adds on its own.
const dialectHeaders = (headers: Headers): Record<string, string> => {
  const kept: Record<string, string> = {}
  headers.forEach((value, name) => {
    if (name !== "x-request-id" && !ignoredHeaders.includes(name)) kept[name] = value
  })
  return kept
}

layer(serveApp(app))("golden wire cases over HTTP", (it) => {
  for (const route of ["raise", "respond"] as const) {
    describe(route === "raise" ? "raised in a handler" : "returned by ServerErrors.respond", () => {
      for (const code of Catalog.codes) {
        it.effect(`${code}: the golden status, headers and body bytes`, () =>
          Effect.gen(function*() {
            const res = yield* send(`/${route}/${code}`, { headers: { "x-request-id": `golden-${code}` } })
            expect(res.status).toBe(cases[code].status)
            expect(dialectHeaders(res.headers)).toStrictEqual(cases[code].headers)
            expect(Buffer.from(res.bytes).equals(Buffer.from(cases[code].body, "utf8"))).toBe(true)
            expect(res.headers.get("x-request-id")).toBe(`golden-${code}`)
          }))
      }
    })
  }
})
