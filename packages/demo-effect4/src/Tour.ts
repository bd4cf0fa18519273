/**
 * The client tour: the client `errata/client` derives from the reference API's own definition
 * (`ApiClient.fromApi(Api, …)`), triggering every code of the catalog and a drift case, and showing
 * retries recover from real outages. The cases are `@errata/reference`'s `TourScript`, which the
 * Effect 3 edition's tour runs too; each is a row of the table `demo:effect4` prints.
 *
 * The typed client cannot send what its schemas reject (an ID that is not a UUID, `limit=1000`, a
 * bad email): it fails with a `SchemaError` before anything is sent. The cases that show the
 * server answering such requests go through `Stranger`, a definition of the same paths that takes
 * any string and any body, as a client that was not built from the definition would send them.
 */
import { type ApiKeys, TourScript } from "@errata/reference"
import { Clock, Console, Duration, Effect, Predicate, Result, Schema } from "effect"
import { HttpClient, type HttpClientResponse } from "effect/http"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { ApiError } from "errata"
import { CatalogErrors, Ids } from "errata/api"
import { ApiClient } from "errata/client"
import { Api, CreateHeaders } from "./Api.js"
import type { Fault } from "./Faults.js"

const idParams = { id: Schema.String }
const anyBody = Schema.Unknown

/**
 * The reference API's paths as a stranger sends them: IDs, query values and bodies unchecked, and
 * the same catalog errors declared, so its client is typed by them too.
 */
export class Stranger extends HttpApi.make("stranger")
  .add(
    HttpApiGroup.make("contacts").add(
      HttpApiEndpoint.post("create", "/contacts", {
        payload: anyBody,
        headers: CreateHeaders,
        success: anyBody.pipe(HttpApiSchema.status(201))
      }).pipe(CatalogErrors.add("VALIDATION_ERROR")),
      HttpApiEndpoint.get("list", "/contacts", { query: { limit: Schema.String }, success: anyBody })
        .pipe(CatalogErrors.add("INVALID_INPUT")),
      HttpApiEndpoint.get("search", "/contacts/search", { success: anyBody }).pipe(CatalogErrors.add("MISSING_QUERY", "INVALID_INPUT")),
      HttpApiEndpoint.get("get", "/contacts/:id", { params: idParams, success: anyBody }).pipe(CatalogErrors.add("INVALID_CONTACT_ID"))
    )
  )
  .add(
    HttpApiGroup.make("messages").add(
      HttpApiEndpoint.get("get", "/messages/:id", { params: idParams, success: anyBody }).pipe(CatalogErrors.add("INVALID_MESSAGE_ID"))
    )
  )
  .add(
    HttpApiGroup.make("businesses").add(
      HttpApiEndpoint.get("get", "/businesses/:id", { params: idParams, success: anyBody }).pipe(CatalogErrors.add("INVALID_BUSINESS_ID"))
    )
  )
  .pipe(CatalogErrors.add("UNAUTHORIZED", "INSUFFICIENT_PERMISSIONS", "NOT_FOUND", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"))
{}

/** The two clients of one key: the one derived from the API's definition, and the stranger's. */
interface Clients {
  readonly api: ApiClient.ForApi<typeof Api>
  readonly stranger: ApiClient.ForApi<typeof Stranger>
}

/** The tour's retry settings (`TourScript.retry`) as the client's options take them. */
export const tourRetry = {
  times: TourScript.retry.times,
  base: Duration.millis(TourScript.retry.baseMillis),
  maxRetryAfter: Duration.millis(TourScript.retry.maxRetryAfterMillis)
}

// Effect 4's `HttpApiClient` has no `withResponse`: the response comes with the decoded value.
const responseMode = "decoded-and-response"

// Sends a case's request with the clients of its key; the response gives the row its status and request ID.
const send = (
  { api, stranger }: Clients,
  request: TourScript.Request,
  created: typeof Ids.ContactId.Type
): Effect.Effect<readonly [unknown, HttpClientResponse.HttpClientResponse], unknown> => {
  switch (request._tag) {
    case "TypedCreateContact":
      return api.contacts.create({ payload: { name: request.name, email: request.email }, headers: {}, responseMode })
    case "TypedGetContact":
      return api.contacts.get({ params: { id: request.id === "created" ? created : Ids.ContactId.make(TourScript.missingId) }, responseMode })
    case "TypedListContacts":
      return api.contacts.list({ query: request.limit === undefined ? {} : { limit: request.limit }, responseMode })
    case "StrangerCreateContact":
      return stranger.contacts.create({ payload: { name: request.name, email: request.email }, headers: {}, responseMode })
    case "StrangerListContacts":
      return stranger.contacts.list({ query: { limit: request.limit }, responseMode })
    case "StrangerSearchContacts":
      return stranger.contacts.search({ responseMode })
    case "StrangerGet":
      return stranger[request.group].get({ params: { id: request.id }, responseMode })
  }
}

const tagOf = (error: unknown): string =>
  Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : String(error)

const outcomeOf = (result: Result.Result<readonly [unknown, HttpClientResponse.HttpClientResponse], unknown>): TourScript.Outcome =>
  Result.match(result, {
    onSuccess: ([, response]) => ({ _tag: "Success", status: response.status, requestId: response.headers["x-request-id"] }),
    onFailure: (error) =>
      ApiError.isAny(error)
        ? {
          _tag: "Failure",
          tag: error._tag,
          code: error._tag === "UnexpectedResponse" ? undefined : error.code,
          status: error.status,
          requestId: error.requestId,
          attempts: ApiClient.attempts(error)
        }
        : { _tag: "Failure", tag: tagOf(error), code: undefined, status: 0, requestId: undefined, attempts: ApiClient.attempts(error) }
  })

/** Runs the tour against a server at `baseUrl`; `onRow` sees each row as soon as it is done. */
export const run = (baseUrl: string, keys: ApiKeys.DemoKeys, onRow: (row: TourScript.Row) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function*() {
    const base = yield* HttpClient.HttpClient
    let sent = 0
    // Counts what actually goes on the wire: the client's retries re-run this inner effect.
    const counting = HttpClient.transform(base, (effect) => Effect.andThen(Effect.sync(() => void sent++), effect))
    const keyOf = (role: TourScript.KeyRole) => (role === "unknown" ? TourScript.unknownKey : keys[role].key)
    const clientsFor = (key: string, retry: false | undefined): Effect.Effect<Clients> => {
      const options = { baseUrl, apiKey: key, retry: retry === false ? false as const : tourRetry }
      return Effect.all({ api: ApiClient.fromApi(Api, options), stranger: ApiClient.fromApi(Stranger, options) }).pipe(
        Effect.provideService(HttpClient.HttpClient, counting)
      )
    }
    const admin = (yield* clientsFor(keys.admin.key, false)).api
    const arm = (fault: Fault) => admin.admin.armFault({ payload: fault })
    const clear = admin.admin.clearFaults()

    const created = yield* admin.contacts.create({ payload: TourScript.firstContact, headers: {} })
    const contactId = Ids.ContactId.make(created.data.id)

    const rows: Array<TourScript.Row> = []
    // The throttled key's bucket holds two: spend them so the case's call is the third.
    const throttled = (yield* clientsFor(keys.throttled.key, false)).api
    yield* Effect.ignore(throttled.contacts.list({ query: {} })).pipe(Effect.repeat({ times: TourScript.throttledPrimer - 1 }))

    for (const call of TourScript.cases) {
      yield* clear
      const key = keyOf(call.key)
      for (const fault of call.faults ?? []) yield* arm({ ...fault, key })
      const clients = yield* clientsFor(key, call.retry)
      sent = 0
      const started = yield* Clock.currentTimeMillis
      const outcome = outcomeOf(yield* Effect.result(send(clients, call.request, contactId)))
      const row = TourScript.row(call, outcome, sent, (yield* Clock.currentTimeMillis) - started)
      rows.push(row)
      yield* onRow(row)
    }
    yield* clear

    sent = 0
    const search = yield* admin.contacts.search({ query: { q: TourScript.retriedCreateName } })
    const oneRecord = TourScript.oneRecordRow(search.meta.pagination.total, sent)
    rows.push(oneRecord)
    yield* onRow(oneRecord)
    return rows
  })

/** A one-line progress report for a finished case. */
export const progress = (row: TourScript.Row): Effect.Effect<void> => Console.log(TourScript.progress(row))
