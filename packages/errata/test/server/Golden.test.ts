/**
 * The golden cases of @errata/dialect, raised in a handler (and returned by `respond`), answered by
 * the middleware over a real socket: every edition's server must write exactly these bytes.
 */
import { describe, expect, layer } from "@effect/vitest"
import { cases, ignoredHeaders, message } from "@errata/dialect/fixtures/golden"
import { Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { ApiError, Catalog } from "errata"
import { ServerErrors } from "errata/server"
import { send, serve } from "./support/Serve.js"

const golden = (code: Catalog.Code) => {
  const { details } = cases[code]
  return ApiError.make(code, { message, ...(details === undefined ? {} : { details }) })
}

const codeParam = Effect.map(HttpRouter.params, ({ code }) => Catalog.byCode(code ?? "")?.code ?? "INTERNAL_ERROR")

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/raise/:code", Effect.flatMap(codeParam, (code) => Effect.fail(golden(code)))),
  HttpRouter.add("GET", "/respond/:code", Effect.map(codeParam, (code) => ServerErrors.respond(golden(code))))
)

// Every header but the request ID and the ones Node's HTTP server adds on its own.
const dialectHeaders = (headers: Headers): Record<string, string> => {
  const kept: Record<string, string> = {}
  headers.forEach((value, name) => {
    if (name !== "x-request-id" && !ignoredHeaders.includes(name)) kept[name] = value
  })
  return kept
}

layer(serve(Routes))("golden wire cases over HTTP", (it) => {
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
