/**
 * The rules errata's servers read request bodies by, without Effect: the limits (1 MiB, 64 levels
 * of nesting), which headers announce a body and which type is JSON, the linear depth scan, the
 * strict UTF-8 decoding, the bytes of a body gathered chunk by chunk, and the wording of each
 * refusal. Each edition pulls the body through these with its own `Stream` and raises each refusal
 * as its own `ValidationError` (about the body as a whole: an issue at path `[]`).
 *
 * @since 0.1.0
 */

/**
 * The default limit on a request body: 1 MiB.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.defaultMaxBytes // 1048576
 *
 * @since 0.1.0
 * @category limits
 */
export const defaultMaxBytes = 1_048_576

/**
 * The default limit on how deep arrays and objects nest in a JSON body.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.defaultMaxDepth // 64
 *
 * @since 0.1.0
 * @category limits
 */
export const defaultMaxDepth = 64

/**
 * The limits a server reads bodies with.
 *
 * @example
 * import type { RequestBody } from "@errata/dialect"
 * const strict: RequestBody.Limits = { maxBytes: 65_536, maxDepth: 16 }
 *
 * @since 0.1.0
 * @category limits
 */
export interface Limits {
  readonly maxBytes: number
  readonly maxDepth: number
}

/**
 * The limits of a server's options (`ServerErrors.make({ maxBodyBytes, maxBodyDepth })` in both
 * editions), the defaults filled in.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.limits({ maxBodyBytes: 4096 }) // { maxBytes: 4096, maxDepth: 64 }
 *
 * @since 0.1.0
 * @category limits
 */
export const limits = (options: {
  readonly maxBodyBytes?: number | undefined
  readonly maxBodyDepth?: number | undefined
}): Limits => ({
  maxBytes: options.maxBodyBytes ?? defaultMaxBytes,
  maxDepth: options.maxBodyDepth ?? defaultMaxDepth
})

/**
 * Why a body is refused: larger than `limit` bytes, of a type other than JSON, not UTF-8, or
 * nested deeper than `limit` levels. Text that is not JSON is the edition's to word, from its
 * `JSON.parse`.
 *
 * @example
 * import type { RequestBody } from "@errata/dialect"
 * const refusal: RequestBody.Refusal = { _tag: "TooLarge", limit: 1_048_576 }
 *
 * @since 0.1.0
 * @category refusals
 */
export type Refusal =
  | { readonly _tag: "TooLarge"; readonly limit: number }
  | { readonly _tag: "NotJsonType" }
  | { readonly _tag: "NotUtf8" }
  | { readonly _tag: "TooDeep"; readonly limit: number }

const notJsonType: Refusal = { _tag: "NotJsonType" }
const notUtf8: Refusal = { _tag: "NotUtf8" }

/**
 * What an edition's `ValidationError` is made with for a refusal: a message about the body and one
 * issue at path `[]`.
 *
 * @example
 * import type { RequestBody } from "@errata/dialect"
 * const fields: RequestBody.Fields = { message: "Request body is not valid UTF-8", details: { issues: [{ path: [], message: "Expected UTF-8 text" }] } }
 *
 * @since 0.1.0
 * @category refusals
 */
export interface Fields {
  readonly message: string
  readonly details: { readonly issues: ReadonlyArray<{ readonly path: ReadonlyArray<never>; readonly message: string }> }
}

const wholeBody = (message: string, issue: string): Fields => ({ message, details: { issues: [{ path: [], message: issue }] } })

/**
 * The fields of the `VALIDATION_ERROR` a refusal is answered with. A refusal names the rule that
 * was broken, never what the client sent.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.fields({ _tag: "TooLarge", limit: 1024 })
 * // { message: "Request body is too large (limit 1024 bytes)",
 * //   details: { issues: [{ path: [], message: "The body must be at most 1024 bytes" }] } }
 *
 * @since 0.1.0
 * @category refusals
 */
export const fields = (refusal: Refusal): Fields => {
  switch (refusal._tag) {
    case "TooLarge":
      return wholeBody(
        `Request body is too large (limit ${refusal.limit} bytes)`,
        `The body must be at most ${refusal.limit} bytes`
      )
    case "NotJsonType":
      return wholeBody("Content-Type must be application/json", "Expected a body of type application/json")
    case "NotUtf8":
      return wholeBody("Request body is not valid UTF-8", "Expected UTF-8 text")
    case "TooDeep":
      return wholeBody(
        `Request body is nested too deeply (limit ${refusal.limit} levels)`,
        `Arrays and objects may nest at most ${refusal.limit} levels deep`
      )
  }
}

/**
 * Whether the answer to a refusal must close the connection (`Connection: close`): after a body
 * found too large the rest of it is left unread, and the unread bytes would otherwise be parsed as
 * the next request.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.closesConnection({ _tag: "TooLarge", limit: 1024 }) // true
 * RequestBody.closesConnection({ _tag: "NotUtf8" }) // false
 *
 * @since 0.1.0
 * @category refusals
 */
export const closesConnection = (refusal: Refusal): boolean => refusal._tag === "TooLarge"

/**
 * Whether the headers announce a body (HTTP/1.1: a `Transfer-Encoding` or a non-zero
 * `Content-Length`). Header names lower-cased, as both platforms keep them.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.announcesBody({ "content-length": "12" }) // true
 * RequestBody.announcesBody({ "content-length": "0" }) // false
 *
 * @since 0.1.0
 * @category checks
 */
export const announcesBody = (headers: Readonly<Record<string, string | undefined>>): boolean => {
  if (headers["transfer-encoding"] !== undefined) return true
  const length = headers["content-length"]
  return length !== undefined && length !== "0"
}

/**
 * Whether a `Content-Type` is `application/json`, in any case, with any parameters
 * (`; charset=utf-8`).
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.isJsonContentType("Application/JSON; charset=utf-8") // true
 * RequestBody.isJsonContentType("application/x-www-form-urlencoded") // false
 *
 * @since 0.1.0
 * @category checks
 */
export const isJsonContentType = (value: string | undefined): boolean => {
  if (value === undefined) return false
  const semicolon = value.indexOf(";")
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase() === "application/json"
}

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

/**
 * Whether arrays and objects nest deeper than `max` anywhere in the UTF-8 `bytes`: one pass, no
 * recursion, brackets inside strings skipped (the bytes of `"`, `\`, brackets and braces never
 * occur inside a multi-byte character). On bytes that are not JSON the answer is only a bound,
 * and `JSON.parse` says what is wrong with them. It runs before anything else looks at the bytes,
 * so that nothing downstream (`JSON.parse`, Schema's decoding and formatting, which recurse per
 * level) can overflow the stack.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * const bytes = new TextEncoder().encode('[[["]]]]"]]]')
 * RequestBody.nestsDeeperThan(bytes, 2) // true
 * RequestBody.nestsDeeperThan(bytes, 3) // false: the brackets in the string do not count
 *
 * @since 0.1.0
 * @category checks
 */
export const nestsDeeperThan = (bytes: Uint8Array, max: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

// `fatal: true` makes invalid bytes an error instead of U+FFFD; the decoder keeps no state
// between calls without `stream: true`, so one serves every request.
const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * A body's bytes as text: refused when nested deeper than `maxDepth` (the cheapest check first;
 * without `maxDepth`, not checked), then when not UTF-8 (where the platforms would replace bad
 * bytes with U+FFFD). An empty body is `""`.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.decode(new TextEncoder().encode('{"name":"Ada"}'), 64) // '{"name":"Ada"}'
 * RequestBody.decode(new Uint8Array([0xff]), 64) // { _tag: "NotUtf8" }
 * RequestBody.decode(new TextEncoder().encode("[[[]]]"), 2) // { _tag: "TooDeep", limit: 2 }
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (bytes: Uint8Array, maxDepth?: number): string | Refusal => {
  if (bytes.length === 0) return ""
  if (maxDepth !== undefined && nestsDeeperThan(bytes, maxDepth)) return { _tag: "TooDeep", limit: maxDepth }
  try {
    return utf8.decode(bytes)
  } catch {
    return notUtf8
  }
}

const empty = new Uint8Array(0)

/**
 * One request body being read, with the checks before, during and after: made from the request's
 * headers, it says at once whether the body is refused before a byte is read (`refusal`: a
 * `Content-Length` over the limit, or a body announced with a type other than JSON); `add` keeps
 * the chunks the edition's stream gives until the body passes `maxBytes`; `end` gives the bytes,
 * or the refusal of a body its headers did not announce (a web `Request`, an HTTP/2 stream) and
 * that turned out not to be JSON.
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 *
 * const reading = new RequestBody.Reading({ "content-type": "application/json", "content-length": "2" }, 1024)
 * reading.refusal // undefined: read it
 * reading.add([new TextEncoder().encode("{}")]) // true: within the limit
 * reading.end() // Uint8Array [123, 125]
 *
 * @since 0.1.0
 * @category reading
 */
export class Reading {
  /**
   * Whether the headers announce a body (`announcesBody`).
   *
   * @since 0.1.0
   */
  readonly announced: boolean
  /**
   * Whether the headers declare JSON (`isJsonContentType`).
   *
   * @since 0.1.0
   */
  readonly json: boolean
  /**
   * The refusal due before a byte is read, if any. A body refused before it is read is left to the
   * server, which drops it or closes.
   *
   * @since 0.1.0
   */
  readonly refusal: Refusal | undefined
  private readonly chunks: Array<Uint8Array> = []
  private size = 0

  /**
   * @since 0.1.0
   */
  constructor(headers: Readonly<Record<string, string | undefined>>, readonly maxBytes: number) {
    this.json = isJsonContentType(headers["content-type"])
    this.announced = announcesBody(headers)
    // `Number(undefined)` is NaN, which is not greater than anything: a chunked body is read.
    this.refusal = Number(headers["content-length"]) > maxBytes
      ? { _tag: "TooLarge", limit: maxBytes }
      : this.announced && !this.json
      ? notJsonType
      : undefined
  }

  /**
   * Keeps the chunks; `false`, keeping none of them, once the body is over `maxBytes` (its refusal
   * is `{ _tag: "TooLarge", limit: maxBytes }`).
   *
   * @since 0.1.0
   */
  add(chunks: Iterable<Uint8Array>): boolean {
    for (const chunk of chunks) this.size += chunk.length
    if (this.size > this.maxBytes) return false
    for (const chunk of chunks) this.chunks.push(chunk)
    return true
  }

  /**
   * The body once its stream has ended: its bytes in one array (an empty body is an empty array),
   * or, for a body the headers did not announce, the refusal of a type other than JSON.
   *
   * @since 0.1.0
   */
  end(): Uint8Array<ArrayBuffer> | Refusal {
    if (this.size === 0) return empty
    if (!this.announced && !this.json) return notJsonType
    const bytes = new Uint8Array(this.size)
    let offset = 0
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    return bytes
  }
}
