/**
 * The two editions agree on the wire. Each edition's tour runs against each edition's reference
 * server, and the four tables are the same row for row: tag, code, status, attempts, whether the
 * retries recovered, and whether there was a request ID. And for each catalog error, and for the
 * requests that make a server raise one itself, both servers answer with the same status, the
 * same headers and the same body bytes (request IDs and the clock aside).
 */
import { describe, expect, it } from "@effect/vitest"
import { Catalog } from "@errata/core"
import { cases, ignoredHeaders, message } from "@errata/dialect/fixtures/golden"
import { TourScript } from "@errata/reference"
import { Effect } from "effect"
import * as Net from "node:net"
import { type Edition, editions, type Served, serve, tour } from "./editions.js"

const pairs: ReadonlyArray<readonly [client: Edition, server: Edition]> = editions.flatMap((client) =>
  editions.map((server) => [client, server] as const)
)

describe("the Effect 3 and Effect 4 editions", () => {
  it.live("each edition's tour against each edition's server: the same table, code for code, attempt for attempt", () =>
    Effect.gen(function*() {
      // A fresh server per tour: a tour spends the throttled key's bucket and leaves records.
      const tables = yield* Effect.forEach(
        pairs,
        ([client, server]) => Effect.scoped(Effect.flatMap(serve(server), (served) => tour(client, served))),
        // All at once: a tour mostly waits out its retries' delays.
        { concurrency: "unbounded" }
      )
      for (const [index, rows] of tables.entries()) {
        const [client, server] = pairs[index] ?? []
        expect(TourScript.problems(rows), `${client} client, ${server} server`).toStrictEqual([])
      }
      const [first, ...others] = tables.map((rows) => rows.map(TourScript.comparable))
      for (const [index, other] of others.entries()) expect(other, pairs[index + 1]?.join(" client, ")).toStrictEqual(first)
    }), 240_000)

  it.live("both servers answer each catalog error, and each request that raises one, byte for byte alike", () =>
    Effect.gen(function*() {
      const servers = yield* Effect.all(editions.map(serve), { concurrency: "unbounded" })
      const answers = yield* Effect.forEach(servers, (served) => Effect.promise(() => probe(served)), { concurrency: "unbounded" })
      const [effect3 = [], effect4 = []] = answers
      expect(effect3.map((answer) => answer.label)).toStrictEqual(effect4.map((answer) => answer.label))
      for (const [index, answer] of effect3.entries()) {
        const other = effect4[index]
        // The two headers that read the clock: the bucket refills while the probes run (a token per
        // 600 ms on the admin key's tier), on each server at its own moments, and the second it is
        // full again may tick between the two. Held within a few tokens and a second.
        const number = (a: Answer | undefined, name: string) => Number(a?.headers[name] ?? Number.NaN)
        for (const [name, slack] of [["x-ratelimit-reset", 1], ["x-ratelimit-remaining", 5]] as const) {
          if (answer.headers[name] !== undefined) expect(Math.abs(number(other, name) - number(answer, name)), `${answer.label}: ${name}`).toBeLessThanOrEqual(slack)
        }
        if (wordedByEachEffect.has(answer.label)) expect(unworded(other), answer.label).toStrictEqual(unworded(answer))
        else expect(withoutClock(other), answer.label).toStrictEqual(withoutClock(answer))
      }
      // The golden cases, injected by the fault switch, are the dialect's own bytes on both.
      for (const entry of Catalog.all) {
        const golden = cases[entry.code]
        const injected = effect3.find((answer) => answer.label === `golden ${entry.code}`)
        expect(injected, entry.code).toMatchObject({ status: golden.status, body: golden.body })
        expect(injected?.headers, entry.code).toMatchObject(golden.headers)
      }
      // Each request was answered with a catalog error, but the two throttled calls the bucket allowed.
      expect(effect3.filter((answer) => answer.code === undefined).map((answer) => answer.label)).toStrictEqual([
        "throttled call 1",
        "throttled call 2"
      ])
      // Every code of the catalog went over the wire.
      expect(new Set(effect3.map((answer) => answer.code))).toStrictEqual(new Set([...Catalog.codes, undefined]))
    }).pipe(Effect.scoped), 120_000)

  it.live("both servers answer what Node's parser refuses with the same bytes", () =>
    Effect.gen(function*() {
      const servers = yield* Effect.all(editions.map(serve), { concurrency: "unbounded" })
      const answers = yield* Effect.forEach(servers, (served) =>
        Effect.promise(() =>
          Promise.all(refused.map(async ([label, request]) => ({ label, response: normalized(await exchange(served.baseUrl, request)) })))
        ))
      const [effect3 = [], effect4 = []] = answers
      for (const [index, answer] of effect3.entries()) {
        expect(answer.response, answer.label).toMatch(/^HTTP\/1\.1 4\d\d /)
        expect(answer.response, answer.label).toContain("\"error\":{\"code\":\"")
        expect(effect4[index], answer.label).toStrictEqual(answer)
      }
    }).pipe(Effect.scoped), 60_000)
})

// Requests no HTTP client sends, which Node's parser refuses before any route sees them.
const refused: ReadonlyArray<readonly [string, string]> = [
  ["a request line that is not HTTP", "HELLO\r\n\r\n"],
  ["a Content-Length that is not a number", "POST /contacts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"],
  ["Content-Length and Transfer-Encoding both", "POST /contacts HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
  ["headers over 16 KB", `GET /contacts HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`],
  ["a header name with a space", "GET /contacts HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n"]
]

// Everything the server wrote on one connection, until it closed it (or 5 s passed).
const exchange = (baseUrl: string, request: string) =>
  new Promise<string>((resolve) => {
    const url = new URL(baseUrl)
    let received = ""
    const socket = Net.connect(Number(url.port), url.hostname, () => socket.end(request, "latin1"))
    const timer = setTimeout(() => socket.destroy(), 5000)
    socket.on("data", (chunk: Buffer) => void (received += chunk.toString("latin1")))
    socket.on("close", () => {
      clearTimeout(timer)
      resolve(received)
    })
    socket.on("error", () => undefined)
  })

// The response with its clock and its request ID taken out.
const normalized = (raw: string) =>
  raw.replace(/^date: .*$/gim, "date: -").replace(/^x-request-id: .*$/gim, "x-request-id: -")

interface Answer {
  readonly label: string
  readonly status: number
  readonly code: string | undefined
  /** Lower-cased names, the request ID and the server's own headers (`date`, …) left out. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

// The one request whose issue each edition words from its own Effect's schema: a repeated query
// value is an array where the schema wants one value, which Effect 3's \`NumberFromString\` calls
// "must be a string" and Effect 4's \`Int\` (its HttpApi reads numbers from strings itself) "must be
// a number". The same status, code and issue paths; only the words differ.
const wordedByEachEffect: ReadonlySet<string> = new Set(["a query parameter twice"])

const unworded = (answer: Answer | undefined) => {
  const { "content-length": _, "x-ratelimit-remaining": __, "x-ratelimit-reset": ___, ...headers } = answer?.headers ?? {}
  return { status: answer?.status, code: answer?.code, headers, body: answer?.body.replace(/"message":"[^"]*"/g, "\"message\":\"\"") }
}

const withoutClock = (answer: Answer | undefined) => {
  if (answer === undefined) return answer
  const { "x-ratelimit-remaining": _, "x-ratelimit-reset": __, ...headers } = answer.headers
  return { ...answer, headers }
}

const codeOf = (body: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(body)
    const code: unknown = typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "object" &&
        parsed.error !== null && "code" in parsed.error
      ? parsed.error.code
      : undefined
    return typeof code === "string" ? code : undefined
  } catch {
    return undefined
  }
}

// The requests both servers are asked, in order, with the answers as the tests compare them.
const probe = async (served: Served): Promise<ReadonlyArray<Answer>> => {
  const answers: Array<Answer> = []
  const send = async (label: string, path: string, init: { readonly method?: string; readonly key?: string; readonly body?: string | Uint8Array<ArrayBuffer>; readonly contentType?: string } = {}) => {
    const headers: Record<string, string> = {}
    if (init.key !== undefined) headers["authorization"] = `Bearer ${init.key}`
    if (init.body !== undefined) headers["content-type"] = init.contentType ?? "application/json"
    const response = await fetch(`${served.baseUrl}${path}`, {
      method: init.method ?? "GET",
      headers,
      ...(init.body === undefined ? {} : { body: init.body })
    })
    const body = await response.text()
    const kept: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      if (name !== "x-request-id" && !ignoredHeaders.includes(name)) kept[name] = value
    })
    answers.push({ label, status: response.status, code: codeOf(body), headers: kept, body })
  }
  const admin = served.keys.admin.key
  const arm = (fault: Readonly<Record<string, unknown>>) =>
    fetch(`${served.baseUrl}/_admin/faults`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ count: 1, key: admin, ...fault })
    }).then((response) => expect(response.status, JSON.stringify(fault)).toBe(204))

  for (const entry of Catalog.all) {
    const golden = cases[entry.code]
    await arm({ kind: "error", code: entry.code, message, ...(golden.details === undefined ? {} : { details: golden.details }) })
    await send(`golden ${entry.code}`, "/contacts", { key: admin })
  }
  await arm({ kind: "rateLimited", retryAfterSeconds: 7 })
  await send("injected 429, Retry-After: 7", "/contacts", { key: admin })

  await send("no key", "/contacts")
  await send("unknown key", "/contacts", { key: TourScript.unknownKey })
  await send("read-only key creates", "/contacts", { method: "POST", key: served.keys.readOnly.key, body: "{\"name\":\"Eve\",\"email\":\"eve@example.com\"}" })
  await send("read-only key posts a bad body", "/contacts", { method: "POST", key: served.keys.readOnly.key, body: "{" })
  await send("bad email", "/contacts", { method: "POST", key: admin, body: "{\"name\":\"Bob\",\"email\":\"not-an-email\"}" })
  await send("missing fields", "/contacts", { method: "POST", key: admin, body: "{}" })
  await send("malformed JSON", "/contacts", { method: "POST", key: admin, body: "{\"name\":" })
  await send("a text body", "/contacts", { method: "POST", key: admin, body: "name=Bob", contentType: "text/plain" })
  await send("limit=1000", "/contacts?limit=1000", { key: admin })
  await send("limit=abc", "/contacts?limit=abc", { key: admin })
  await send("search without q", "/contacts/search", { key: admin })
  await send("search with an empty q", "/contacts/search?q=", { key: admin })
  await send("missing contact", `/contacts/${TourScript.missingId}`, { key: admin })
  await send("missing message", `/messages/${TourScript.missingId}`, { method: "DELETE", key: admin })
  await send("contact ID not a UUID", "/contacts/42", { key: admin })
  await send("message ID not a UUID", "/messages/hello", { key: admin })
  await send("business ID not a UUID, on PATCH", "/businesses/acme", { method: "PATCH", key: admin, body: "{\"name\":\"Acme\"}" })
  await send("a 4,000-character ID", `/contacts/${"x".repeat(4000)}`, { key: admin })
  await send("no such route", "/nothing-here", { key: admin })
  await send("no such method", "/contacts", { method: "PUT", key: admin, body: "{}" })
  await send("an 8,000-character business ID", `/businesses/${"z".repeat(8000)}`, { key: admin })
  await send("an 80 KB near-miss email", "/contacts", { method: "POST", key: admin, body: JSON.stringify({ name: "Eve", email: `${"a".repeat(80_000)}@x` }) })
  await send("a body 1,000 arrays deep", "/contacts", { method: "POST", key: admin, body: `${"[".repeat(1000)}${"]".repeat(1000)}` })
  await send("a body of 2 MB", "/contacts", { method: "POST", key: admin, body: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024), email: "a@b.co" }) })
  await send("a body that is not UTF-8", "/contacts", { method: "POST", key: admin, body: Uint8Array.of(0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d) })
  await send("a body in Latin-1", "/contacts", { method: "POST", key: admin, body: "{}", contentType: "application/json; charset=latin1" })
  await send("a query parameter twice", "/contacts?limit=1&limit=2", { key: admin })
  const throttled = served.keys.throttled.key
  for (const n of [1, 2, 3]) await send(`throttled call ${n}`, "/contacts?limit=1", { key: throttled })
  return answers
}
