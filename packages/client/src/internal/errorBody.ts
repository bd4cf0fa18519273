/**
 * Reading an error response without trusting it: at most `maxBytes` of the body are read, the
 * connection is dropped past that, and whatever arrived is handed to `Wire.decode`, which is total.
 *
 * @internal
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { type ApiError, Wire } from "@errata/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

interface Collected {
  readonly chunks: Array<Uint8Array>
  size: number
}

const concat = (collected: Collected, maxBytes: number): Uint8Array => {
  const out = new Uint8Array(Math.min(collected.size, maxBytes))
  let offset = 0
  for (const chunk of collected.chunks) {
    if (offset >= out.length) break
    const part = chunk.length <= out.length - offset ? chunk : chunk.subarray(0, out.length - offset)
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** @internal */
export const readBounded = (
  response: HttpClientResponse.HttpClientResponse,
  headers: Headers.Headers,
  maxBytes: number
): Effect.Effect<Uint8Array, HttpClientError.ResponseError> => {
  const declared = Number(headers["content-length"] ?? Number.NaN)
  // A body whose declared length fits the bound is read in one go: HTTP framing stops at that
  // length. Anything else, an undeclared length included, is streamed and cut at the bound.
  if (Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes) {
    return Effect.map(response.arrayBuffer, (buffer) => new Uint8Array(buffer, 0, Math.min(buffer.byteLength, maxBytes)))
  }
  // Pulled by hand rather than folded with `Stream.runFoldWhile`: one `toPull` costs about half a
  // full stream run, and this is the path every chunked error body takes. Closing the scope ends
  // the stream, which drops the connection when the body was not read to its end.
  return Effect.scoped(Effect.flatMap(Stream.toPull(response.stream), (pull) => {
    const collected: Collected = { chunks: [], size: 0 }
    const loop: Effect.Effect<Uint8Array, HttpClientError.ResponseError> = Effect.matchEffect(pull, {
      onFailure: (end) => Option.isNone(end) ? Effect.succeed(concat(collected, maxBytes)) : Effect.fail(end.value),
      onSuccess: (chunk) => {
        for (const bytes of chunk) {
          collected.chunks.push(bytes)
          collected.size += bytes.length
        }
        return collected.size >= maxBytes ? Effect.succeed(concat(collected, maxBytes)) : loop
      }
    })
    return loop
  }))
}

/**
 * The typed error of a non-2xx response. A body cut off by the network is a transport failure
 * (the next attempt may well get it whole), not a decode failure, so it becomes a `RequestError`
 * with reason `Transport`.
 *
 * @internal
 */
export const decode = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<never, ApiError.Any | HttpClientError.RequestError> => {
  // Some clients build the headers object anew on every access.
  const headers = response.headers
  return readBounded(response, headers, maxBytes).pipe(
    Effect.mapError((cause) =>
      new HttpClientError.RequestError({
        request: response.request,
        reason: "Transport",
        cause,
        description: `the connection failed while reading the body of a ${response.status} response`
      })
    ),
    Effect.zip(Clock.currentTimeMillis),
    Effect.flatMap(([body, now]) => Effect.fail(Wire.decode({ status: response.status, headers, body, now })))
  )
}
