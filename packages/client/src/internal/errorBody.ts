/**
 * Reading an error response without trusting it: at most `maxBytes` of the body are read (decoded
 * bytes, after its `Content-Encoding` is undone), the connection is dropped past that, and
 * whatever arrived is handed to `Wire.decode`, which is total.
 *
 * @internal
 */
import * as ContentCoding from "@errata/dialect/ContentCoding"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ApiError, Wire } from "@errata/core"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as coding from "./contentCoding.js"

/**
 * What was read of a body: its bytes, and why it is not the whole body when it is not, in
 * `Wire.decode`'s words (`TooLarge`: cut at the bound; `Undecodable`: in a content coding that
 * could not be undone).
 *
 * @internal
 */
export interface Body {
  readonly bytes: Uint8Array
  readonly unread: Wire.ResponseInput["unread"]
}


/**
 * Pulls a body until it ends or passes `maxBytes`, and cuts it there. Pulled by hand rather than
 * folded with `Stream.runFoldWhile`: one `toPull` costs about half a full stream run. Closing the
 * scope ends the stream, which drops the connection when the body was not read to its end.
 *
 * @internal
 */
export const collect = <E>(stream: Stream.Stream<Uint8Array, E>, maxBytes: number): Effect.Effect<Body, E> =>
  Effect.scoped(Effect.flatMap(Stream.toPull(stream), (pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<E>>) => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    const loop: Effect.Effect<Body, E> = Effect.matchEffect(pull, {
      onFailure: (end) => Option.isNone(end) ? Effect.succeed({ bytes: ContentCoding.concat(chunks, size), unread: undefined }) : Effect.fail(end.value),
      onSuccess: (chunk) => {
        for (const bytes of chunk) {
          chunks.push(bytes)
          size += bytes.length
        }
        // One byte past the bound tells a body of exactly `maxBytes` from a longer one.
        return size > maxBytes ? Effect.succeed({ bytes: ContentCoding.concat(chunks, maxBytes), unread: "TooLarge" }) : loop
      }
    })
    return loop
  }))

/**
 * The body of an error response, its content coding undone and cut at `maxBytes`; a body whose
 * coding cannot be undone is `Undecodable`, not a failure.
 *
 * @internal
 */
export const read = (
  response: HttpClientResponse.HttpClientResponse,
  headers: Headers.Headers,
  maxBytes: number
): Effect.Effect<Body, HttpClientError.ResponseError> => {
  const codings = coding.parse(headers["content-encoding"])
  if (codings.length > 0) {
    return collect(coding.decoded(codings, response.stream), maxBytes).pipe(
      Effect.catchIf(
        (failure): failure is coding.DecodeFailure => failure._tag === "DecodeFailure",
        () => Effect.succeed<Body>({ bytes: new Uint8Array(0), unread: "Undecodable" })
      )
    )
  }
  const declared = Number(headers["content-length"] ?? Number.NaN)
  // A body whose declared length fits the bound is read in one go: HTTP framing stops at that
  // length. Anything else, an undeclared length included, is streamed and cut at the bound.
  if (Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes) {
    return Effect.map(response.arrayBuffer, (buffer): Body => ({
      bytes: new Uint8Array(buffer, 0, Math.min(buffer.byteLength, maxBytes)),
      unread: undefined
    }))
  }
  return collect(response.stream, maxBytes)
}

/**
 * The typed error of a non-2xx response. A body cut off by the network is a transport failure
 * (the next attempt may well get it whole), not a decode failure, so it becomes a `RequestError`
 * with reason `Transport`; a body cut at the bound or in a coding the client cannot undo is an
 * `UnexpectedResponse` that says so (`TooLarge`, `Undecodable`).
 *
 * @internal
 */
export const decode = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<never, ApiError.Any | HttpClientError.RequestError | HttpClientError.ResponseError> => {
  // Some clients build the headers object anew on every access.
  const headers = response.headers
  return Effect.matchEffect(read(response, headers, maxBytes), {
    onFailure: (cause) =>
      Effect.fail(
        new HttpClientError.RequestError({
          request: response.request,
          reason: "Transport",
          cause,
          description: `the connection failed while reading the body of a ${response.status} response`
        })
      ),
    onSuccess: (body) =>
      Effect.clockWith((clock) => {
        const now = clock.unsafeCurrentTimeMillis()
        return Effect.fail(Wire.decode({ status: response.status, headers, body: body.bytes, now, unread: body.unread }))
      })
  })
}

/**
 * Reads and drops the body of a response that is not handed on (a redirect's), within the bound:
 * a short body read to its end leaves the connection reusable; a longer one, or one that fails,
 * is cut, which drops it.
 *
 * @internal
 */
export const discard = (response: HttpClientResponse.HttpClientResponse, maxBytes: number): Effect.Effect<void> =>
  Effect.ignore(read(response, response.headers, maxBytes))
