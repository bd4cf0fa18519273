/**
 * The client tour: the client `@errata/client` derives from the reference API's own definition
 * (`ApiClient.fromApi(Api, …)`), triggering every code of the catalog and a drift case, and showing
 * retries recover from real outages. Each case is a row of the table `demo` prints.
 *
 * The typed client cannot send what its schemas reject (an ID that is not a UUID, `limit=1000`, a
 * bad email): it fails with a `ParseError` before anything is sent. The cases that show the
 * server answering such requests go through `Stranger`, a definition of the same paths that takes
 * any string and any body, as a client that was not built from the definition would send them.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpClient, type HttpClientResponse } from "@effect/platform"
import { CatalogErrors, Ids } from "@errata/api"
import { ApiClient } from "@errata/client"
import { ApiError } from "@errata/core"
import { Clock, Console, Effect, Predicate, Schema } from "effect"
import { Api, CreateHeaders } from "./Api.js"
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

const idPath = Schema.Struct({ id: Schema.String })
const anyBody = Schema.Unknown

/**
 * The reference API's paths as a stranger sends them: IDs, query values and bodies unchecked, and
 * the same catalog errors declared, so its client is typed by them too.
 */
export class Stranger extends HttpApi.make("stranger")
  .add(
    HttpApiGroup.make("contacts")
      .add(
        HttpApiEndpoint.post("create", "/contacts").setPayload(anyBody).setHeaders(CreateHeaders).addSuccess(anyBody, { status: 201 })
          .pipe(CatalogErrors.add("VALIDATION_ERROR"))
      )
      .add(
        HttpApiEndpoint.get("list", "/contacts").setUrlParams(Schema.Struct({ limit: Schema.String })).addSuccess(anyBody)
          .pipe(CatalogErrors.add("INVALID_INPUT"))
      )
      .add(HttpApiEndpoint.get("search", "/contacts/search").addSuccess(anyBody).pipe(CatalogErrors.add("MISSING_QUERY", "INVALID_INPUT")))
      .add(HttpApiEndpoint.get("get", "/contacts/:id").setPath(idPath).addSuccess(anyBody).pipe(CatalogErrors.add("INVALID_CONTACT_ID")))
  )
  .add(HttpApiGroup.make("messages").add(HttpApiEndpoint.get("get", "/messages/:id").setPath(idPath).addSuccess(anyBody).pipe(CatalogErrors.add("INVALID_MESSAGE_ID"))))
  .add(HttpApiGroup.make("businesses").add(HttpApiEndpoint.get("get", "/businesses/:id").setPath(idPath).addSuccess(anyBody).pipe(CatalogErrors.add("INVALID_BUSINESS_ID"))))
  .pipe(CatalogErrors.add("UNAUTHORIZED", "INSUFFICIENT_PERMISSIONS", "NOT_FOUND", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"))
{}

/** The two clients of one key: the one derived from the API's definition, and the stranger's. */
interface Clients {
  readonly api: ApiClient.ForApi<typeof Api>
  readonly stranger: ApiClient.ForApi<typeof Stranger>
}

interface Call {
  readonly label: string
  readonly expected: string
  readonly key: string
  /** Makes the call, with the response (its status and request ID go into the row). */
  readonly send: (clients: Clients) => Effect.Effect<readonly [unknown, HttpClientResponse.HttpClientResponse], unknown>
  readonly retry?: false
  readonly faults?: ReadonlyArray<Fault>
  readonly transient?: boolean
}

const withResponse = true

/** Runs the tour against a server at `baseUrl`; `onRow` sees each row as soon as it is done. */
export const run = (baseUrl: string, keys: DemoKeys, onRow: (row: Row) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function*() {
    const base = yield* HttpClient.HttpClient
    let sent = 0
    // Counts what actually goes on the wire: the client's retries re-run this inner effect.
    const counting = HttpClient.transform(base, (effect) => Effect.zipRight(Effect.sync(() => void sent++), effect))
    const clientsFor = (key: string, retry: false | undefined): Effect.Effect<Clients> => {
      const options = { baseUrl, apiKey: key, retry: retry === false ? false as const : tourRetry }
      return Effect.all({ api: ApiClient.fromApi(Api, options), stranger: ApiClient.fromApi(Stranger, options) }).pipe(
        Effect.provideService(HttpClient.HttpClient, counting)
      )
    }
    const admin = (yield* clientsFor(keys.admin.key, false)).api
    const arm = (fault: Fault) => admin.admin.armFault({ payload: fault })
    const clear = admin.admin.clearFaults()

    const created = yield* admin.contacts.create({ payload: { name: "Ada Lovelace", email: "ada@example.com" }, headers: {} })
    const contactId = Ids.ContactId.make(created.data.id)
    const page = { limit: 1 }

    const calls: ReadonlyArray<Call> = [
      { label: "create a contact", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.create({ payload: { name: "Grace Hopper", email: "grace@example.com" }, headers: {}, withResponse }) },
      { label: "read it back", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.get({ path: { id: contactId }, withResponse }) },
      { label: "list contacts, limit 1", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: page, withResponse }) },
      { label: "unknown API key", expected: "Unauthorized", key: "sk_live_not-a-real-key", send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }) },
      { label: "read-only key creates a contact", expected: "InsufficientPermissions", key: keys.readOnly.key, send: ({ api }) => api.contacts.create({ payload: { name: "Eve", email: "eve@example.com" }, headers: {}, withResponse }) },
      { label: "contact with a bad email", expected: "ValidationError", key: keys.admin.key, send: ({ stranger }) => stranger.contacts.create({ payload: { name: "Bob", email: "not-an-email" }, headers: {}, withResponse }) },
      { label: "list with limit=1000", expected: "InvalidInput", key: keys.admin.key, send: ({ stranger }) => stranger.contacts.list({ urlParams: { limit: "1000" }, withResponse }) },
      { label: "search without ?q", expected: "MissingQuery", key: keys.admin.key, send: ({ stranger }) => stranger.contacts.search({ withResponse }) },
      { label: "contact that does not exist", expected: "NotFound", key: keys.admin.key, send: ({ api }) => api.contacts.get({ path: { id: Ids.ContactId.make(missingId) }, withResponse }) },
      { label: "contact ID that is not a UUID", expected: "InvalidContactId", key: keys.admin.key, send: ({ stranger }) => stranger.contacts.get({ path: { id: "42" }, withResponse }) },
      { label: "message ID that is not a UUID", expected: "InvalidMessageId", key: keys.admin.key, send: ({ stranger }) => stranger.messages.get({ path: { id: "hello" }, withResponse }) },
      { label: "business ID that is not a UUID", expected: "InvalidBusinessId", key: keys.admin.key, send: ({ stranger }) => stranger.businesses.get({ path: { id: "acme" }, withResponse }) },
      { label: "third call in a minute on a 2/min tier", expected: "RateLimitExceeded", key: keys.throttled.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), retry: false },
      { label: "500 on every attempt", expected: "InternalError", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), faults: [{ kind: "internal", count: 10, key: keys.admin.key }], transient: true },
      { label: "503 on every attempt", expected: "ServiceUnavailable", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), faults: [{ kind: "unavailable", count: 10, key: keys.admin.key }], transient: true },
      { label: "drift: a proxy's HTML 502 page, every attempt", expected: "UnexpectedResponse", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), faults: [{ kind: "htmlBadGateway", count: 10, key: keys.admin.key }], transient: true },
      { label: "two 503s, then the API is back", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), faults: [{ kind: "unavailable", count: 2, key: keys.admin.key }], transient: true },
      { label: "a 429 with Retry-After: 1", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), faults: [{ kind: "rateLimited", count: 1, key: keys.admin.key, retryAfterSeconds: 1 }], transient: true },
      { label: "a dropped connection", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), faults: [{ kind: "dropConnection", count: 1, key: keys.admin.key }], transient: true },
      { label: "an HTML 502 once, then the API is back", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.list({ urlParams: {}, withResponse }), faults: [{ kind: "htmlBadGateway", count: 1, key: keys.admin.key }], transient: true },
      { label: "a create retried after a 503 makes one record", expected: "ok", key: keys.admin.key, send: ({ api }) => api.contacts.create({ payload: { name: "Katherine Johnson", email: "kj@example.com" }, headers: {}, withResponse }), faults: [{ kind: "unavailable", count: 1, key: keys.admin.key }], transient: true }
    ]

    const rows: Array<Row> = []
    // The throttled key's bucket holds two: spend them so the case's call is the third.
    const throttled = (yield* clientsFor(keys.throttled.key, false)).api
    yield* Effect.ignore(throttled.contacts.list({ urlParams: {} }))
    yield* Effect.ignore(throttled.contacts.list({ urlParams: {} }))

    for (const call of calls) {
      yield* clear
      for (const fault of call.faults ?? []) yield* arm(fault)
      const clients = yield* clientsFor(call.key, call.retry)
      sent = 0
      const started = yield* Clock.currentTimeMillis
      const outcome = yield* Effect.either(call.send(clients))
      const millis = (yield* Clock.currentTimeMillis) - started
      const row: Row = outcome._tag === "Right"
        ? {
          label: call.label,
          expected: call.expected,
          tag: "ok",
          code: "-",
          status: outcome.right[1].status,
          attempts: sent,
          requestId: outcome.right[1].headers["x-request-id"] ?? "-",
          recovered: call.transient === true ? true : undefined,
          millis
        }
        : {
          label: call.label,
          expected: call.expected,
          tag: tagOf(outcome.left),
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
    const search = yield* admin.contacts.search({ urlParams: { q: "Katherine" } })
    const total = search.meta.pagination.total
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

const tagOf = (error: unknown): string =>
  Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : String(error)

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
