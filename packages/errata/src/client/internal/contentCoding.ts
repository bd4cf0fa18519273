/**
 * Content codings of response bodies (RFC 9110 §8.4), undone whatever the `HttpClient`
 * underneath. `NodeHttpClient` hands over the bytes as they came off the wire; a fetch-based
 * client (`FetchHttpClient`, browsers) has already decoded them but leaves `Content-Encoding` in
 * place. So a body is decoded only when its first bytes are in the coding's format: a gzip member
 * starts with its magic bytes and a zlib stream with its header; brotli (and raw deflate) have no
 * signature, and what they produce never starts as text, while a decoded JSON, HTML or plain-text
 * body always does.
 *
 * Decoding is streamed and pulled: only as many compressed bytes are read as the decoded bytes
 * the caller asks for, so a small body that inflates to gigabytes costs what the caller's bound
 * allows. gzip and deflate use the web-standard `DecompressionStream`; br, which it lacks, uses
 * `node:zlib`, imported on first use, so the package stays free of Node built-ins elsewhere.
 *
 * @internal
 */
import * as ContentCoding from "@errata/dialect/ContentCoding"
import type * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as HttpClientError from "effect/http/HttpClientError"
import * as Pull from "effect/Pull"
import * as Stream from "effect/Stream"

/** @internal */
export const parse = ContentCoding.parse

export { DecodeFailure } from "@errata/dialect/ContentCoding"

interface Head {
  readonly bytes: Uint8Array
  readonly ended: boolean
}

// The first `probeBytes` bytes of a body (all of it when shorter), and whether it ended there.
const head = <E>(pull: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array>, E>): Effect.Effect<Head, E> => {
  const chunks: Array<Uint8Array> = []
  let size = 0
  const loop: Effect.Effect<Head, E> = Pull.matchEffect(pull, {
    onSuccess: (chunk) => {
      for (const bytes of chunk) {
        chunks.push(bytes)
        size += bytes.length
      }
      return size >= ContentCoding.probeBytes ? Effect.succeed({ bytes: ContentCoding.concat(chunks, size), ended: false }) : loop
    },
    onFailure: Effect.failCause,
    onDone: () => Effect.succeed({ bytes: ContentCoding.concat(chunks, size), ended: true })
  })
  return loop
}

/**
 * The body of a response with the codings of its `Content-Encoding` (as `parse` gives them)
 * undone: the bytes as they are when they are not encoded (`isEncoded`), else through a decoder
 * per coding. Fails with `DecodeFailure` when a coding cannot be undone, and with the body's own
 * `HttpClientError` when the connection fails. Ending the stream early cancels the decoders and
 * the body under them; a decoder only inflates what is pulled from it.
 *
 * @internal
 */
export const decoded = (
  codings: ReadonlyArray<string>,
  body: Stream.Stream<Uint8Array, HttpClientError.HttpClientError>
): Stream.Stream<Uint8Array, HttpClientError.HttpClientError | ContentCoding.DecodeFailure> =>
  codings.length === 0 ? body : Stream.unwrap(Effect.gen(function*() {
    const pull = yield* Stream.toPull(body)
    const first = yield* head(pull)
    const whole = first.ended
      ? Stream.succeed(first.bytes)
      : Stream.concat(Stream.succeed(first.bytes), Stream.fromPull(Effect.succeed(pull)))
    if (!ContentCoding.isEncoded(codings[0] ?? "", first.bytes)) return whole
    let readable = yield* Stream.toReadableStreamEffect(whole)
    for (const [i, coding] of codings.entries()) {
      const decoder = yield* Effect.promise(() => ContentCoding.openDecoder(coding, i === 0 ? first.bytes : undefined))
      if (decoder === undefined) return Stream.fail(new ContentCoding.DecodeFailure(`no decoder for the content coding "${coding}"`))
      readable = readable.pipeThrough(decoder)
    }
    const source = readable
    // The body stream's own failure comes through the decoders as it was: a connection that
    // failed stays an `HttpClientError`; anything else is a decoder's.
    return Stream.fromReadableStream({
      evaluate: () => source,
      onError: (cause): HttpClientError.HttpClientError | ContentCoding.DecodeFailure =>
        HttpClientError.isHttpClientError(cause) ? cause : new ContentCoding.DecodeFailure(cause)
    })
  }))
