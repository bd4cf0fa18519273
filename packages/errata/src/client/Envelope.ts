/**
 * The success side of the API (SPEC.md §6): bodies are `{ "data": …, "meta": { … } }`, and list
 * endpoints page with `meta.pagination` (`limit`, `offset`, `hasMore`, sometimes `total`). These
 * helpers decode `data` with your `Schema` and walk the pages as a `Stream`.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { ApiClient, Envelope } from "errata/client"
 *
 * const Contact = Schema.Struct({ id: Schema.String, email: Schema.String })
 *
 * const contact = Effect.flatMap(ApiClient.ApiClient, (client) =>
 *   client.get("/contacts/550e8400-e29b-41d4-a716-446655440000").pipe(Effect.flatMap(Envelope.decodeData(Contact)))
 * )
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import * as Stream from "effect/Stream"
import * as coding from "./internal/contentCoding.js"
import * as errorBody from "./internal/errorBody.js"

/**
 * `meta.pagination` of a list response.
 *
 * @example
 * import { Schema } from "effect"
 * import { Envelope } from "errata/client"
 * Schema.decodeUnknownSync(Envelope.Pagination)({ limit: 10, offset: 20, hasMore: true }) // no `total`: not counted
 *
 * @since 0.1.0
 * @category schemas
 */
export const Pagination = Schema.Struct({
  limit: Schema.Number,
  offset: Schema.Number,
  hasMore: Schema.Boolean,
  /** Present when the server could count cheaply. */
  total: Schema.optional(Schema.Number)
})

/**
 * The type of `Pagination`.
 *
 * @example
 * import type { Envelope } from "errata/client"
 * const last: Envelope.Pagination = { limit: 10, offset: 90, hasMore: false, total: 100 }
 *
 * @since 0.1.0
 * @category models
 */
export type Pagination = typeof Pagination.Type

/**
 * `meta`: `pagination` on list responses, and whatever else the server put there, kept as is.
 *
 * @example
 * import { Schema } from "effect"
 * import { Envelope } from "errata/client"
 * Schema.decodeUnknownSync(Envelope.Meta)({ generatedAt: "2026-01-01T00:00:00Z" }) // other keys are kept
 *
 * @since 0.1.0
 * @category schemas
 */
export const Meta = Schema.StructWithRest(
  Schema.Struct({ pagination: Schema.optional(Pagination) }),
  [Schema.Record(Schema.String, Schema.Unknown)]
)

/**
 * The type of `Meta`.
 *
 * @example
 * import type { Envelope } from "errata/client"
 * const meta: Envelope.Meta = { pagination: { limit: 10, offset: 0, hasMore: true }, cursor: "c_1" }
 *
 * @since 0.1.0
 * @category models
 */
export type Meta = typeof Meta.Type

/**
 * A decoded success body.
 *
 * @example
 * import type { Envelope } from "errata/client"
 * const body: Envelope.Envelope<{ readonly id: string }> = { data: { id: "42" }, meta: {} }
 *
 * @since 0.1.0
 * @category models
 */
export interface Envelope<A> {
  readonly data: A
  readonly meta: Meta
}

/**
 * The schema of `{ data, meta }` for a schema of `data`; a missing `meta` decodes as `{}`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Envelope } from "errata/client"
 * const ContactBody = Envelope.schema(Schema.Struct({ id: Schema.String }))
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema = <S extends Schema.Top>(data: S) => Schema.Struct({ data, meta: metaOrEmpty })

const metaOrEmpty = Meta.pipe(Schema.withDecodingDefaultKey(Effect.succeed({})))

// The envelope with `data` left for the caller's schema: `decode` checks the two in turn, so its
// result has the type of that schema whatever it is.
const Body = Schema.Struct({ data: Schema.Unknown, meta: metaOrEmpty })

// Every issue, not the first only: the error is read by a person trying to see what changed.
const parseOptions: SchemaAST.ParseOptions = { errors: "all" }

const decodeBody = Schema.decodeUnknownEffect(Body, parseOptions)

const formatIssue = SchemaIssue.makeFormatterDefault()

/**
 * A 2xx body that is not the envelope the schema describes: not JSON (`InvalidJson`), JSON of
 * another shape (`SchemaMismatch`), or in a `Content-Encoding` that could not be decoded
 * (`UnsupportedEncoding`). A typed failure, never a defect, with the request ID for support. Not
 * retried: the same request would get the same body.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { ApiClient, Envelope } from "errata/client"
 *
 * const Contact = Schema.Struct({ id: Schema.String })
 * const contact = Effect.flatMap(ApiClient.ApiClient, (client) =>
 *   client.get("/contacts/42").pipe(Effect.flatMap(Envelope.decodeData(Contact)))
 * ).pipe(Effect.catchTag("EnvelopeDecodeError", (e) => Effect.succeed(`unexpected body: ${e.reason} (request ${e.requestId})`)))
 *
 * @since 0.1.0
 * @category errors
 */
export class EnvelopeDecodeError extends Schema.TaggedError<EnvelopeDecodeError>()("EnvelopeDecodeError", {
  reason: Schema.Literals(["InvalidJson", "SchemaMismatch", "UnsupportedEncoding"]),
  status: Schema.Number,
  /** What was wrong: the JSON parser's message, the schema's issues, or the decoder's. */
  issue: Schema.String,
  requestId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const what = this.reason === "InvalidJson"
      ? "is not JSON"
      : this.reason === "SchemaMismatch"
      ? "does not match the schema"
      : "could not be decoded from its content coding"
    return `The ${this.status} response body ${what}: ${this.issue}`
  }
}

const utf8 = new TextDecoder("utf-8")

// The body as text, its `Content-Encoding` undone whatever the client underneath (see the client
// README): a 2xx body is the caller's, so it is read whole, as `response.text` reads it.
const bodyText = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<string, HttpClientError.HttpClientError | coding.DecodeFailure> => {
  const codings = coding.parse(response.headers["content-encoding"])
  if (codings.length === 0) return response.text
  return Effect.map(errorBody.collect(coding.decoded(codings, response.stream), Number.POSITIVE_INFINITY), (body) => utf8.decode(body.bytes))
}

const causeText = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issue: string } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (cause) {
    return { ok: false, issue: causeText(cause) }
  }
}

/**
 * Reads the body of a response and decodes it as `{ data, meta }` with `data` checked by your
 * schema. Fails with `EnvelopeDecodeError` (request ID attached) when the body is not JSON or does
 * not match; a connection lost while reading is the platform's `HttpClientError`.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { ApiClient, Envelope } from "errata/client"
 *
 * const Contact = Schema.Struct({ id: Schema.String, email: Schema.String })
 * const program = Effect.flatMap(ApiClient.ApiClient, (client) =>
 *   client.get("/contacts/42").pipe(Effect.flatMap(Envelope.decode(Contact)))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode: {
  <S extends Schema.Top>(
    data: S
  ): (
    response: HttpClientResponse.HttpClientResponse
  ) => Effect.Effect<Envelope<S["Type"]>, EnvelopeDecodeError | HttpClientError.HttpClientError, S["DecodingServices"]>
  <S extends Schema.Top>(
    response: HttpClientResponse.HttpClientResponse,
    data: S
  ): Effect.Effect<Envelope<S["Type"]>, EnvelopeDecodeError | HttpClientError.HttpClientError, S["DecodingServices"]>
} = dual(2, <S extends Schema.Top>(
  response: HttpClientResponse.HttpClientResponse,
  data: S
): Effect.Effect<Envelope<S["Type"]>, EnvelopeDecodeError | HttpClientError.HttpClientError, S["DecodingServices"]> => {
  const decodeData = Schema.decodeUnknownEffect(data, parseOptions)
  const requestId = response.headers["x-request-id"]
  const fail = (reason: EnvelopeDecodeError["reason"], issue: string) =>
    Effect.fail(
      new EnvelopeDecodeError({ reason, status: response.status, issue, ...(requestId === undefined ? {} : { requestId }) })
    )
  const text = Effect.catchIf(
    bodyText(response),
    (failure): failure is coding.DecodeFailure => failure instanceof coding.DecodeFailure,
    (failure) => fail("UnsupportedEncoding", causeText(failure.cause))
  )
  return Effect.flatMap(text, (text) => {
    const parsed = parseJson(text)
    if (!parsed.ok) return fail("InvalidJson", parsed.issue)
    return decodeBody(parsed.value).pipe(
      Effect.catchTag("SchemaError", (error) => fail("SchemaMismatch", error.message)),
      Effect.flatMap((body) =>
        decodeData(body.data).pipe(
          Effect.map((value): Envelope<S["Type"]> => ({ data: value, meta: body.meta })),
          // The issue as `schema(data)` would report it: under `data`.
          Effect.catchTag("SchemaError", (error) => fail("SchemaMismatch", formatIssue(new SchemaIssue.Pointer(["data"], error.issue))))
        )
      )
    )
  })
})

/**
 * `decode`, keeping only `data`.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { ApiClient, Envelope } from "errata/client"
 *
 * const Contact = Schema.Struct({ id: Schema.String, email: Schema.String })
 * const email = Effect.flatMap(ApiClient.ApiClient, (client) =>
 *   client.get("/contacts/42").pipe(Effect.flatMap(Envelope.decodeData(Contact)), Effect.map((c) => c.email))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeData: {
  <S extends Schema.Top>(
    data: S
  ): (
    response: HttpClientResponse.HttpClientResponse
  ) => Effect.Effect<S["Type"], EnvelopeDecodeError | HttpClientError.HttpClientError, S["DecodingServices"]>
  <S extends Schema.Top>(
    response: HttpClientResponse.HttpClientResponse,
    data: S
  ): Effect.Effect<S["Type"], EnvelopeDecodeError | HttpClientError.HttpClientError, S["DecodingServices"]>
} = dual(2, <S extends Schema.Top>(
  response: HttpClientResponse.HttpClientResponse,
  data: S
): Effect.Effect<S["Type"], EnvelopeDecodeError | HttpClientError.HttpClientError, S["DecodingServices"]> =>
  Effect.map(decode(response, data), (envelope) => envelope.data))

// Which page to fetch next. A type alias, not an interface, so it can be passed straight to
// `urlParams` (only aliases get the implicit index signature `UrlParams.Input` asks for).
type PageRequest = {
  readonly limit: number
  readonly offset: number
}

/**
 * One page of a list: its items, its pagination and the rest of `meta`.
 *
 * @example
 * import type { Envelope } from "errata/client"
 * const summary = <A>(page: Envelope.Page<A>) => `${page.items.length} of ${page.pagination?.total ?? "?"}`
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  /** `undefined` when the server sent none; the page is then the only one. */
  readonly pagination: Pagination | undefined
  readonly meta: Meta
}

// Options of `pages` and `paginate`.
interface PaginateOptions {
  /**
   * Items asked for per page; the API's maximum, so a walk takes as few requests as it can.
   * @default 100
   */
  readonly limit?: number | undefined
  /**
   * Where to start.
   * @default 0
   */
  readonly offset?: number | undefined
}

/**
 * Walks a list endpoint page by page: `fetch` gets each page's `limit` and `offset` (put them in
 * the query string), and the stream stops after the page whose `meta.pagination.hasMore` is
 * false, or that has no pagination or no items (a guard against a server that would say "more"
 * forever). The next offset is this page's offset plus its item count, so a server that returns
 * short pages loses nothing.
 *
 * @example
 * import { Effect, Schema, Stream } from "effect"
 * import { ApiClient, Envelope } from "errata/client"
 *
 * const Contact = Schema.Struct({ id: Schema.String })
 * const pageSizes = Effect.flatMap(ApiClient.ApiClient, (client) =>
 *   Envelope.pages(Contact, (page) => client.get("/contacts", { urlParams: page }), { limit: 50 }).pipe(
 *     Stream.map((page) => page.items.length),
 *     Stream.runCollect
 *   ))
 *
 * @since 0.1.0
 * @category paging
 */
export const pages = <S extends Schema.Top, E, R>(
  item: S,
  fetch: (page: PageRequest) => Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>,
  options: PaginateOptions = {}
): Stream.Stream<Page<S["Type"]>, E | EnvelopeDecodeError | HttpClientError.HttpClientError, R | S["DecodingServices"]> => {
  const limit = options.limit ?? 100
  const list = Schema.Array(item)
  const start: PageRequest = { limit, offset: options.offset ?? 0 }
  return Stream.paginate(start, (request) =>
    fetch(request).pipe(
      Effect.flatMap(decode(list)),
      Effect.map(({ data, meta }): readonly [ReadonlyArray<Page<S["Type"]>>, Option.Option<PageRequest>] => {
        const pagination = meta.pagination
        const more = pagination !== undefined && pagination.hasMore && data.length > 0
        return [
          [{ items: data, pagination, meta }],
          more ? Option.some({ limit, offset: pagination.offset + data.length }) : Option.none()
        ]
      })
    ))
}

/**
 * `pages`, as a stream of the items themselves.
 *
 * @example
 * import { Effect, Schema, Stream } from "effect"
 * import { ApiClient, Envelope } from "errata/client"
 *
 * const Contact = Schema.Struct({ id: Schema.String, email: Schema.String })
 *
 * const everyContact = Effect.flatMap(ApiClient.ApiClient, (client) =>
 *   Envelope.paginate(Contact, (page) => client.get("/contacts", { urlParams: page })).pipe(Stream.runCollect)
 * )
 *
 * @since 0.1.0
 * @category paging
 */
export const paginate = <S extends Schema.Top, E, R>(
  item: S,
  fetch: (page: PageRequest) => Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>,
  options: PaginateOptions = {}
): Stream.Stream<S["Type"], E | EnvelopeDecodeError | HttpClientError.HttpClientError, R | S["DecodingServices"]> =>
  Stream.flattenIterable(Stream.map(pages(item, fetch, options), (page) => page.items))
