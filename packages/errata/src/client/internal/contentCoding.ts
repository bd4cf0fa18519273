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
import type * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as HttpClientError from "effect/http/HttpClientError"
import * as Predicate from "effect/Predicate"
import * as Pull from "effect/Pull"
import * as Stream from "effect/Stream"

const none: ReadonlyArray<string> = []

/**
 * The codings of a `Content-Encoding` header, lowercase, in the order they must be undone (the last
 * one applied first); empty when there is none, `identity` aside. `x-gzip` is gzip, as RFC 9110
 * §8.4.1.3 asks. errata decodes `gzip`, `deflate` and `br`; any other is kept, and fails to decode
 * unless the body turns out to be text already.
 *
 * @internal
 */
export const parse = (header: string | undefined): ReadonlyArray<string> => {
  if (header === undefined) return none
  const codings: Array<string> = []
  for (const part of header.split(",")) {
    const name = part.trim().toLowerCase()
    if (name === "" || name === "identity") continue
    codings.push(name === "x-gzip" ? "gzip" : name)
  }
  return codings.reverse()
}

// How many leading bytes decide whether a body is already text.
const probeBytes = 64

/**
 * Whether the first bytes of a body are text (UTF-8, no control characters but tab, CR and LF).
 * The output of brotli and raw deflate starts with binary headers and data, and 64 such bytes are
 * never all text by chance. An empty body is text.
 *
 * @internal
 */
export const isText = (bytes: Uint8Array): boolean => {
  const end = Math.min(bytes.length, probeBytes)
  let i = 0
  while (i < end) {
    const byte = bytes[i] ?? 0
    if (byte < 0x80) {
      if (byte === 0x7f || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)) return false
      i++
      continue
    }
    const length = byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0
    if (length === 0) return false
    for (let k = 1; k < length; k++) {
      // A character cut by the end of the body is not text; one cut by the probe's end is judged
      // by the bytes that follow it.
      const next = bytes[i + k]
      if (next === undefined || next < 0x80 || next > 0xbf) return false
    }
    i += length
  }
  return true
}

// The piece of `node:zlib` this module uses, so the rest of the package never names it.
interface NodeTransform {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean
  end(callback: () => void): void
  destroy(): void
  pause(): void
  resume(): void
  on(event: "data", listener: (chunk: Uint8Array) => void): void
  once(event: "end", listener: () => void): void
  once(event: "error", listener: (error: unknown) => void): void
}

interface Zlib {
  readonly createBrotliDecompress: () => NodeTransform
}

const isZlibModule = (u: unknown): u is Zlib =>
  Predicate.hasProperty(u, "createBrotliDecompress") && typeof u.createBrotliDecompress === "function"

// Not a literal, so that bundlers building for browsers leave the import alone instead of
// failing on a Node built-in: in a browser, fetch decodes br before errata sees the body.
const zlibModule = "node:zlib"

let zlib: Promise<Zlib | undefined> | undefined

const loadZlib = (): Promise<Zlib | undefined> =>
  zlib ??= import(/* webpackIgnore: true */ /* @vite-ignore */ zlibModule).then(
    (module: unknown) => (isZlibModule(module) ? module : undefined),
    () => undefined
  )

type Decoder = ReadableWritablePair<Uint8Array, Uint8Array>

// Boundary: the DOM types give `DecompressionStream` a writable side of `BufferSource`, which
// leaves out `Uint8Array`s over shared memory; a body's chunks never are.
const fromWeb = (stream: DecompressionStream): Decoder => stream as unknown as Decoder

// A zlib stream as the readable/writable pair `pipeThrough` takes. The readable side pauses the
// zlib stream while its queue is full, and zlib stops inflating while nobody reads: the decoded
// bytes in memory stay at a chunk or two, however far the input would inflate.
const webPair = (transform: NodeTransform): Decoder => ({
  readable: new ReadableStream<Uint8Array>({
    start(controller) {
      transform.on("data", (chunk) => {
        controller.enqueue(chunk)
        if ((controller.desiredSize ?? 0) <= 0) transform.pause()
      })
      transform.once("end", () => controller.close())
      transform.once("error", (error) => controller.error(error))
    },
    pull() {
      transform.resume()
    },
    cancel() {
      transform.destroy()
    }
  }),
  writable: new WritableStream<Uint8Array>({
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        transform.write(chunk, (error) => (error ? reject(error) : resolve()))
      }),
    close: () => new Promise<void>((resolve) => transform.end(resolve)),
    abort() {
      transform.destroy()
    }
  })
})

const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b

// A zlib header: compression method 8, and the two bytes a multiple of 31.
const isZlib = (bytes: Uint8Array): boolean => {
  const b0 = bytes[0] ?? 0
  const b1 = bytes[1] ?? 0
  return (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0
}

/**
 * Whether a body whose outermost coding is `coding` arrived still encoded; a body that did not was
 * decoded by the client underneath (fetch), or was never encoded.
 *
 * @internal
 */
export const isEncoded = (coding: string, head: Uint8Array): boolean =>
  coding === "gzip" ? isGzip(head) : coding === "deflate" ? isZlib(head) || !isText(head) : !isText(head)

// A decoder for one coding, or `undefined` for a coding errata does not know or a runtime without
// one (br without `node:zlib`). `deflate` is the zlib format RFC 9110 means; some servers send raw
// deflate under that name, which the first two bytes tell apart (a zlib header is a multiple of 31
// with compression method 8). Only the outermost coding's first bytes are known: an inner deflate
// layer is taken as zlib.
const decoderFor = (
  coding: string,
  first: Uint8Array | undefined
): Effect.Effect<Decoder | undefined> => {
  if (coding === "br") {
    return Effect.map(Effect.promise(loadZlib), (zlib) => (zlib === undefined ? undefined : webPair(zlib.createBrotliDecompress())))
  }
  if (coding !== "gzip" && coding !== "deflate") return Effect.succeed(undefined)
  const format = coding === "gzip" ? "gzip" : first === undefined || isZlib(first) ? "deflate" : "deflate-raw"
  return Effect.try(() => fromWeb(new DecompressionStream(format))).pipe(Effect.orElseSucceed(() => undefined))
}

/**
 * A body that could not be decoded: a coding without a decoder here, or bytes that do not decode.
 *
 * @internal
 */
export class DecodeFailure {
  readonly _tag = "DecodeFailure"
  constructor(readonly cause: unknown) {}
}

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

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
      return size >= probeBytes ? Effect.succeed({ bytes: concat(chunks, size), ended: false }) : loop
    },
    onFailure: Effect.failCause,
    onDone: () => Effect.succeed({ bytes: concat(chunks, size), ended: true })
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
): Stream.Stream<Uint8Array, HttpClientError.HttpClientError | DecodeFailure> =>
  codings.length === 0 ? body : Stream.unwrap(Effect.gen(function*() {
    const pull = yield* Stream.toPull(body)
    const first = yield* head(pull)
    const whole = first.ended
      ? Stream.succeed(first.bytes)
      : Stream.concat(Stream.succeed(first.bytes), Stream.fromPull(Effect.succeed(pull)))
    if (!isEncoded(codings[0] ?? "", first.bytes)) return whole
    let readable = yield* Stream.toReadableStreamEffect(whole)
    for (const [i, coding] of codings.entries()) {
      const decoder = yield* decoderFor(coding, i === 0 ? first.bytes : undefined)
      if (decoder === undefined) return Stream.fail(new DecodeFailure(`no decoder for the content coding "${coding}"`))
      readable = readable.pipeThrough(decoder)
    }
    const source = readable
    // The body stream's own failure comes through the decoders as it was: a connection that
    // failed stays an `HttpClientError`; anything else is a decoder's.
    return Stream.fromReadableStream({
      evaluate: () => source,
      onError: (cause): HttpClientError.HttpClientError | DecodeFailure =>
        HttpClientError.isHttpClientError(cause) ? cause : new DecodeFailure(cause)
    })
  }))
