/**
 * The client tour: a real `@errata/client` against the reference API, triggering every code of
 * the catalog and a drift case, and showing retries recover from real outages. Each case is a
 * row of the table `demo` prints.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { ApiClient, Envelope } from "@errata/client"
import { ApiError } from "@errata/core"
import { Clock, Console, Effect, Schema } from "effect"
import { Contact } from "./Domain.js"
import type { DemoKeys } from "./Keys.js"
import type { Fault } from "./Faults.js"

/** One line of the tour's table. */
export interface Row {
  readonly label: string
  /** What the case is meant to show: a tag, or `ok` for a success. */
  readonly expected: string
  readonly tag: string
  readonly code: string
  readonly status: number
  readonly attempts: number
  readonly requestId: string
  /** For transient cases: whether the retries ended in a success. */
  readonly recovered: boolean | undefined
  readonly millis: number
}

/** Whether the case showed what it meant to. */
export const passed = (row: Row): boolean => row.tag === row.expected

/** Short retry delays for the tour: the real schedule, with a 100 ms base instead of 1 s. */
export const tourRetry = { times: 3, base: "100 millis", maxRetryAfter: "2 seconds" } as const

const missingId = "550e8400-e29b-41d4-a716-446655440000"

interface Call {
  readonly label: string
  readonly expected: string
  readonly key: string
  readonly request: HttpClientRequest.HttpClientRequest
  readonly retry?: false
  readonly faults?: ReadonlyArray<Fault>
  readonly transient?: boolean
}

/** Runs the tour against a server at `baseUrl`; `onRow` sees each row as soon as it is done. */
export const run = (baseUrl: string, keys: DemoKeys, onRow: (row: Row) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function*() {
    const base = yield* HttpClient.HttpClient
    let sent = 0
    // Counts what actually goes on the wire: the client's retries re-run this inner effect.
    const counting = HttpClient.transform(base, (effect) => Effect.zipRight(Effect.sync(() => void sent++), effect))
    const clientFor = (key: string, retry: false | undefined) =>
      ApiClient.fromHttpClient(counting, { baseUrl, apiKey: key, retry: retry === false ? false : tourRetry })
    const admin = clientFor(keys.admin.key, false)
    const arm = (fault: Fault) => admin.execute(HttpClientRequest.post("/_admin/faults").pipe(HttpClientRequest.bodyUnsafeJson(fault)))
    const clear = admin.execute(HttpClientRequest.del("/_admin/faults"))

    const created = yield* admin.execute(
      HttpClientRequest.post("/contacts").pipe(HttpClientRequest.bodyUnsafeJson({ name: "Ada Lovelace", email: "ada@example.com" }))
    ).pipe(Effect.flatMap(Envelope.decodeData(Contact)))
    const contactId = created.id

    const post = (path: string, body: unknown) => HttpClientRequest.post(path).pipe(HttpClientRequest.bodyUnsafeJson(body))
    const get = (path: string) => HttpClientRequest.get(path)
    const calls: ReadonlyArray<Call> = [
      { label: "create a contact", expected: "ok", key: keys.admin.key, request: post("/contacts", { name: "Grace Hopper", email: "grace@example.com" }) },
      { label: "read it back", expected: "ok", key: keys.admin.key, request: get(`/contacts/${contactId}`) },
      { label: "list contacts, limit 1", expected: "ok", key: keys.admin.key, request: get("/contacts?limit=1") },
      { label: "unknown API key", expected: "Unauthorized", key: "sk_live_not-a-real-key", request: get("/contacts") },
      { label: "read-only key creates a contact", expected: "InsufficientPermissions", key: keys.readOnly.key, request: post("/contacts", { name: "Eve", email: "eve@example.com" }) },
      { label: "contact with a bad email", expected: "ValidationError", key: keys.admin.key, request: post("/contacts", { name: "Bob", email: "not-an-email" }) },
      { label: "list with limit=1000", expected: "InvalidInput", key: keys.admin.key, request: get("/contacts?limit=1000") },
      { label: "search without ?q", expected: "MissingQuery", key: keys.admin.key, request: get("/contacts/search") },
      { label: "contact that does not exist", expected: "NotFound", key: keys.admin.key, request: get(`/contacts/${missingId}`) },
      { label: "contact ID that is not a UUID", expected: "InvalidContactId", key: keys.admin.key, request: get("/contacts/42") },
      { label: "message ID that is not a UUID", expected: "InvalidMessageId", key: keys.admin.key, request: get("/messages/hello") },
      { label: "business ID that is not a UUID", expected: "InvalidBusinessId", key: keys.admin.key, request: get("/businesses/acme") },
      { label: "third call in a minute on a 2/min tier", expected: "RateLimitExceeded", key: keys.throttled.key, request: get("/contacts"), retry: false },
      { label: "500 on every attempt", expected: "InternalError", key: keys.admin.key, request: get("/contacts"), faults: [{ kind: "internal", count: 10, key: keys.admin.key }], transient: true },
      { label: "503 on every attempt", expected: "ServiceUnavailable", key: keys.admin.key, request: get("/contacts"), faults: [{ kind: "unavailable", count: 10, key: keys.admin.key }], transient: true },
      { label: "drift: a proxy's HTML 502 page, every attempt", expected: "UnexpectedResponse", key: keys.admin.key, request: get("/contacts"), faults: [{ kind: "htmlBadGateway", count: 10, key: keys.admin.key }], transient: true },
      { label: "two 503s, then the API is back", expected: "ok", key: keys.admin.key, request: get("/contacts"), faults: [{ kind: "unavailable", count: 2, key: keys.admin.key }], transient: true },
      { label: "a 429 with Retry-After: 1", expected: "ok", key: keys.admin.key, request: get("/contacts"), faults: [{ kind: "rateLimited", count: 1, key: keys.admin.key, retryAfterSeconds: 1 }], transient: true },
      { label: "a dropped connection", expected: "ok", key: keys.admin.key, request: get("/contacts"), faults: [{ kind: "dropConnection", count: 1, key: keys.admin.key }], transient: true },
      { label: "an HTML 502 once, then the API is back", expected: "ok", key: keys.admin.key, request: get("/contacts"), faults: [{ kind: "htmlBadGateway", count: 1, key: keys.admin.key }], transient: true },
      { label: "a create retried after a 503 makes one record", expected: "ok", key: keys.admin.key, request: post("/contacts", { name: "Katherine Johnson", email: "kj@example.com" }), faults: [{ kind: "unavailable", count: 1, key: keys.admin.key }], transient: true }
    ]

    const rows: Array<Row> = []
    // The throttled key's bucket holds two: spend them so the case's call is the third.
    const throttled = clientFor(keys.throttled.key, false)
    yield* Effect.ignore(throttled.execute(get("/contacts")))
    yield* Effect.ignore(throttled.execute(get("/contacts")))

    for (const call of calls) {
      yield* clear
      for (const fault of call.faults ?? []) yield* arm(fault)
      const client = clientFor(call.key, call.retry)
      sent = 0
      const started = yield* Clock.currentTimeMillis
      const outcome = yield* Effect.either(client.execute(call.request))
      const millis = (yield* Clock.currentTimeMillis) - started
      const row: Row = outcome._tag === "Right"
        ? {
          label: call.label,
          expected: call.expected,
          tag: "ok",
          code: "-",
          status: outcome.right.status,
          attempts: sent,
          requestId: outcome.right.headers["x-request-id"] ?? "-",
          recovered: call.transient === true ? true : undefined,
          millis
        }
        : {
          label: call.label,
          expected: call.expected,
          tag: outcome.left._tag,
          code: ApiError.isAny(outcome.left) && outcome.left._tag !== "UnexpectedResponse" ? outcome.left.code : "-",
          status: ApiError.isAny(outcome.left) ? outcome.left.status : 0,
          attempts: ApiClient.attempts(outcome.left) ?? sent,
          requestId: ApiError.isAny(outcome.left) ? outcome.left.requestId ?? "-" : "-",
          recovered: call.transient === true ? false : undefined,
          millis
        }
      rows.push(row)
      yield* onRow(row)
    }
    yield* clear

    // The retried create above carried one idempotency key on both attempts: one record, not two.
    sent = 0
    const search = yield* admin.execute(get("/contacts/search?q=Katherine")).pipe(
      Effect.flatMap(Envelope.decode(Schema.Array(Contact)))
    )
    const total = search.meta.pagination?.total ?? search.data.length
    const duplicates: Row = {
      label: "...and the store holds exactly one such record",
      expected: "ok",
      tag: total === 1 ? "ok" : `${total} records`,
      code: "-",
      status: 200,
      attempts: sent,
      requestId: "-",
      recovered: undefined,
      millis: 0
    }
    rows.push(duplicates)
    yield* onRow(duplicates)
    return rows
  })

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))

/** The table, one line per case. */
export const table = (rows: ReadonlyArray<Row>): string => {
  const header = ["", "case", "code", "status", "tag", "attempts", "request ID", "recovered?"]
  const lines = rows.map((r) => [
    passed(r) ? "✓" : "✗",
    r.label,
    r.code,
    String(r.status),
    r.tag,
    String(r.attempts),
    r.requestId,
    r.recovered === undefined ? "" : r.recovered ? "yes" : "no"
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)))
  return [header, ...lines].map((l) => l.map((cell, i) => pad(cell, widths[i] ?? 0)).join("  ").trimEnd()).join("\n")
}

/** A one-line progress report for a finished case. */
export const progress = (row: Row): Effect.Effect<void> =>
  Console.log(`${passed(row) ? "✓" : "✗"} ${row.label}: ${row.tag === "ok" ? `${row.status}` : `${row.tag} (${row.status})`} after ${row.attempts} attempt(s), ${row.millis} ms`)
