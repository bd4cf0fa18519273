/**
 * Runs the client examples of docs/client.md and packages/client/README.md against a real
 * loopback server that speaks the API's dialect. Backoff waits are virtual: the TestClock is moved
 * on whenever the program sleeps.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ApiClient } from "@errata/client"
import { ApiError, Wire } from "@errata/core"
import { Chunk, Effect } from "effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as Combinators from "./examples/client-combinators.js"
import * as Paging from "./examples/client-paging.js"
import * as Program from "./examples/client-program.js"
import * as Testing from "./examples/client-testing.js"
import { listen, withVirtualTime } from "./support.js"

const apiKey = "sk_live_docs"
const ada = "550e8400-e29b-41d4-a716-446655440000"
const nobody = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
const flaky = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"
const down = "6ba7b812-9dad-11d1-80b4-00c04fd430c8"

const people = Array.from({ length: 5 }, (_, i) => ({ id: `c_${i}`, name: `Person ${i}`, email: `p${i}@example.com` }))

interface Api {
  readonly url: string
  readonly seen: Array<{ readonly method: string; readonly url: string; readonly key: string | undefined }>
}

const sendError = (response: ServerResponse, error: ApiError.ApiError, requestId: string) => {
  const encoded = Wire.encode(error)
  response.writeHead(encoded.status, { ...encoded.headers, "x-request-id": requestId })
  response.end(JSON.stringify(encoded.body))
}

const sendJson = (response: ServerResponse, status: number, body: unknown, requestId: string) => {
  response.writeHead(status, { "content-type": "application/json", "x-request-id": requestId })
  response.end(JSON.stringify(body))
}

/** A small API: contacts by ID, a paged list, a create that fails once, and a few failure modes. */
const api = Effect.suspend(() => {
  const seen: Api["seen"] = []
  const hits = new Map<string, number>()
  return Effect.map(
    listen((request: IncomingMessage, response: ServerResponse) => {
      request.resume()
      const url = new URL(request.url ?? "/", "http://localhost")
      const key = request.headers["idempotency-key"]
      seen.push({ method: request.method ?? "", url: url.pathname + url.search, key: typeof key === "string" ? key : undefined })
      const requestId = `req_${seen.length}`
      const hit = (name: string) => {
        const n = (hits.get(name) ?? 0) + 1
        hits.set(name, n)
        return n
      }
      if (request.headers.authorization !== `Bearer ${apiKey}`) {
        return sendError(response, new ApiError.Unauthorized(), requestId)
      }
      if (url.pathname === "/contacts" && request.method === "POST") {
        return hit("create") === 1
          ? sendError(response, new ApiError.ServiceUnavailable(), requestId)
          : sendJson(response, 201, { data: { id: "c_new" }, meta: {} }, requestId)
      }
      if (url.pathname === "/contacts") {
        const limit = Number(url.searchParams.get("limit") ?? "10")
        const offset = Number(url.searchParams.get("offset") ?? "0")
        const page = people.slice(offset, offset + limit)
        return sendJson(response, 200, {
          data: page,
          meta: { pagination: { limit, offset, hasMore: offset + page.length < people.length, total: people.length } }
        }, requestId)
      }
      const id = url.pathname.split("/")[2] ?? ""
      if (!/^[0-9a-f-]{36}$/.test(id)) {
        return sendError(response, new ApiError.InvalidContactId({ message: "Contact ID is not a UUID", details: { value: id } }), requestId)
      }
      if (id === ada) return sendJson(response, 200, { data: { id, name: "Ada", email: "ada@example.com" }, meta: {} }, requestId)
      if (id === flaky && hit("flaky") === 1) return sendError(response, new ApiError.ServiceUnavailable(), requestId)
      if (id === flaky) return sendJson(response, 200, { data: { id, name: "Flo", email: "flo@example.com" }, meta: {} }, requestId)
      if (id === down) return sendError(response, new ApiError.ServiceUnavailable(), requestId)
      return sendError(response, new ApiError.NotFound({ message: "Contact not found" }), requestId)
    }),
    (url): Api => ({ url, seen })
  )
})

describe("client docs examples", () => {
  it.scoped("the complete program: a contact, each code caught, a category at once, retries", () =>
    Effect.gen(function*() {
      const server = yield* api
      const lines = yield* withVirtualTime(Program.program(server.url, apiKey, [ada, nobody, "42", flaky, down]))
      expect(lines).toEqual([
        "Ada <ada@example.com>",
        `no contact ${nobody} (request req_2)`,
        "\"42\" is not a contact ID",
        "Flo <flo@example.com>",
        `unavailable after 4 attempts (request req_9)`
      ])
      const wrongKey = yield* withVirtualTime(Program.program(server.url, "sk_live_wrong", [ada]))
      expect(wrongKey).toEqual(["access refused: UNAUTHORIZED"])
    }))

  it.scoped("paging: every contact, page after page, stopping on the last", () =>
    Effect.gen(function*() {
      const server = yield* api
      const emails = yield* Paging.allEmails.pipe(Effect.provide(Program.ApiLive(server.url, apiKey)))
      expect(Chunk.toReadonlyArray(emails)).toEqual(people.map((p) => p.email))
      expect(server.seen.map((r) => r.url)).toEqual([
        "/contacts?limit=2&offset=0",
        "/contacts?limit=2&offset=2",
        "/contacts?limit=2&offset=4"
      ])
    }))

  it.scoped("combinators: a create retried after a 503 succeeds, with one Idempotency-Key on both attempts", () =>
    Effect.gen(function*() {
      const server = yield* api
      const status = yield* withVirtualTime(
        Combinators.createContact(server.url, apiKey, { name: "Ada", email: "ada@example.com" }),
        // The example's own per-attempt timeout, 10 s.
        10_000
      ).pipe(Effect.provide(NodeHttpClient.layerUndici))
      expect(status).toBe(201)
      const keys = server.seen.map((r) => r.key)
      expect(keys).toHaveLength(2)
      expect(keys[0]).toBeDefined()
      expect(keys[1]).toBe(keys[0])
    }))

  it.effect("combinators: the policy as a Schedule retries a transient failure, not a 404", () =>
    Effect.gen(function*() {
      let calls = 0
      const flakyCall = Effect.suspend(() => (++calls < 2 ? Effect.fail(new ApiError.InternalError()) : Effect.succeed("ok")))
      expect(yield* withVirtualTime(Combinators.withPolicy(flakyCall))).toBe("ok")
      expect(calls).toBe(2)
      let lookups = 0
      const missing = Effect.suspend(() => {
        lookups++
        return Effect.fail(new ApiError.NotFound())
      })
      yield* Effect.flip(withVirtualTime(Combinators.withPolicy(missing)))
      expect(lookups).toBe(1)
    }))

  it.scopedLive("testing: with the quick options, two 503s and a 200 take no waiting", () =>
    Effect.gen(function*() {
      const url = yield* listen(flakyTwice())
      const status = yield* Effect.flatMap(ApiClient.ApiClient, (client) => client.get("/contacts")).pipe(
        Effect.map((response) => response.status),
        Effect.provide(Testing.QuickApi(url))
      )
      expect(status).toBe(200)
    }))

  it.scoped("testing: under the TestClock, the real policy's 1 s wait is moved by hand", () =>
    Effect.gen(function*() {
      const url = yield* listen(flakyTwice(1))
      expect(yield* Testing.statusAfterOneRetry(url)).toEqual({ waited: 1000, status: 200 })
    }))
})

/** 503 for the first `failures` requests, then 200. */
const flakyTwice = (failures = 2) => {
  let n = 0
  return (request: IncomingMessage, response: ServerResponse) => {
    request.resume()
    n++
    if (n <= failures) return sendError(response, new ApiError.ServiceUnavailable(), `req_${n}`)
    sendJson(response, 200, { data: [], meta: {} }, `req_${n}`)
  }
}
