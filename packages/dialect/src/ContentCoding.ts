/**
 * Content codings of response bodies (RFC 9110 §8.4), without Effect: which codings a header
 * names, whether a body still is in its coding (a fetch-based client has decoded it already but
 * leaves `Content-Encoding` in place), and a streaming decoder for each (`DecompressionStream`
 * for gzip and deflate; `node:zlib`, imported on first use, for br). Each edition pulls bodies
 * through these decoders with its own `Stream`.
 *
 * @since 0.1.0
 */
const none: ReadonlyArray<string> = []

/**
 * The codings of a `Content-Encoding` header, lowercase, in the order they must be undone (the last
 * one applied first); empty when there is none, `identity` aside. `x-gzip` is gzip, as RFC 9110
 * §8.4.1.3 asks. errata decodes `gzip`, `deflate` and `br`; any other is kept, and fails to decode
 * unless the body turns out to be text already.
 *
 * @example
 * import { ContentCoding } from "@errata/dialect"
 * ContentCoding.parse("gzip, br") // ["br", "gzip"]
 *
 * @since 0.1.0
 * @category parsing
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

/**
 * How many leading bytes decide whether a body is already text: what an edition reads of a body
 * before `isEncoded`.
 *
 * @example
 * import { ContentCoding } from "@errata/dialect"
 * ContentCoding.probeBytes // 64
 *
 * @since 0.1.0
 * @category sniffing
 */
export const probeBytes = 64

/**
 * Whether the first bytes of a body are text (UTF-8, no control characters but tab, CR and LF).
 * The output of brotli and raw deflate starts with binary headers and data, and 64 such bytes are
 * never all text by chance. An empty body is text.
 *
 * @example
 * import { ContentCoding } from "@errata/dialect"
 * ContentCoding.isText(new TextEncoder().encode('{"error":{}}')) // true
 *
 * @since 0.1.0
 * @category sniffing
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
  typeof u === "object" && u !== null && "createBrotliDecompress" in u && typeof u.createBrotliDecompress === "function"

// Not a literal, so that bundlers building for browsers leave the import alone instead of
// failing on a Node built-in: in a browser, fetch decodes br before errata sees the body.
const zlibModule = "node:zlib"

let zlib: Promise<Zlib | undefined> | undefined

const loadZlib = (): Promise<Zlib | undefined> =>
  zlib ??= import(/* webpackIgnore: true */ /* @vite-ignore */ zlibModule).then(
    (module: unknown) => (isZlibModule(module) ? module : undefined),
    () => undefined
  )

/**
 * A decoder as `ReadableStream.pipeThrough` takes it.
 *
 * @example
 * import type { ContentCoding } from "@errata/dialect"
 * const identity: ContentCoding.Decoder = new TransformStream<Uint8Array, Uint8Array>()
 *
 * @since 0.1.0
 * @category models
 */
export type Decoder = ReadableWritablePair<Uint8Array, Uint8Array>

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
 * @example
 * import { ContentCoding } from "@errata/dialect"
 * ContentCoding.isEncoded("gzip", new Uint8Array([0x1f, 0x8b, 8])) // true
 *
 * @since 0.1.0
 * @category sniffing
 */
export const isEncoded = (coding: string, head: Uint8Array): boolean =>
  coding === "gzip" ? isGzip(head) : coding === "deflate" ? isZlib(head) || !isText(head) : !isText(head)

/**
 * A decoder for one coding, or `undefined` for a coding errata does not know or a runtime without
 * one (br without `node:zlib`). `deflate` is the zlib format RFC 9110 means; some servers send raw
 * deflate under that name, which the first two bytes tell apart (a zlib header is a multiple of 31
 * with compression method 8). Only the outermost coding's first bytes are known: an inner deflate
 * layer is taken as zlib.
 *
 * @example
 * import { ContentCoding } from "@errata/dialect"
 * const gunzip = ContentCoding.openDecoder("gzip", undefined)
 *
 * @since 0.1.0
 * @category decoding
 */
export const openDecoder = async (coding: string, first: Uint8Array | undefined): Promise<Decoder | undefined> => {
  if (coding === "br") {
    const zlib = await loadZlib()
    return zlib === undefined ? undefined : webPair(zlib.createBrotliDecompress())
  }
  if (coding !== "gzip" && coding !== "deflate") return undefined
  const format = coding === "gzip" ? "gzip" : first === undefined || isZlib(first) ? "deflate" : "deflate-raw"
  try {
    return fromWeb(new DecompressionStream(format))
  } catch {
    return undefined
  }
}

/**
 * A body that could not be decoded: a coding without a decoder here, or bytes that do not decode.
 *
 * @example
 * import { ContentCoding } from "@errata/dialect"
 * new ContentCoding.DecodeFailure("unknown coding")._tag // "DecodeFailure"
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeFailure {
  /**
   * The tag an edition matches on.
   *
   * @since 0.1.0
   */
  readonly _tag = "DecodeFailure"
  /**
   * `cause`: what the decoder reported, or why there was none.
   *
   * @since 0.1.0
   */
  constructor(readonly cause: unknown) {}
}

/**
 * The first `size` bytes of `chunks`, in one array (the chunk itself when there is one of exactly
 * that size).
 *
 * @example
 * import { ContentCoding } from "@errata/dialect"
 * ContentCoding.concat([new Uint8Array([1, 2]), new Uint8Array([3])], 2) // Uint8Array [1, 2]
 *
 * @since 0.1.0
 * @category bytes
 */
export const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const first = chunks[0]
  if (chunks.length === 1 && first !== undefined && first.length === size) return first
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    if (offset >= size) break
    const part = chunk.length <= size - offset ? chunk : chunk.subarray(0, size - offset)
    out.set(part, offset)
    offset += part.length
  }
  return out
}

