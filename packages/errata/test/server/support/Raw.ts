/**
 * Raw HTTP/1.1 over `node:net`, for requests no HTTP client would send (two Content-Lengths, bare
 * CR/LF, unknown methods, bodies that never end), and a reader of what came back.
 */
import { Effect } from "effect"
import * as Net from "node:net"
import { parseJson } from "./Serve.js"

export interface RawResponse {
  /** Everything the server wrote, as Latin-1. */
  readonly raw: string
  /** `HTTP/1.1 400 Bad Request`, or "" when nothing came back. */
  readonly statusLine: string
  readonly status: number
  /** Header names lower-cased. */
  readonly headers: ReadonlyMap<string, string>
  readonly body: string
  /** The body parsed as JSON, `undefined` when it is not JSON. */
  readonly json: unknown
  /** Whether the server closed the connection (within the wait). */
  readonly closed: boolean
  /** Bytes of the request written before the first byte of the response arrived. */
  readonly writtenBeforeResponse: number
}


/** Splits a raw response into status, headers and body (the first response only). */
export const parseResponse = (raw: string, closed: boolean, writtenBeforeResponse: number): RawResponse => {
  const end = raw.indexOf("\r\n\r\n")
  const head = end === -1 ? raw : raw.slice(0, end)
  const [statusLine = "", ...lines] = head.split("\r\n")
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(":")
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const length = Number(headers.get("content-length") ?? Number.NaN)
  const rest = end === -1 ? "" : raw.slice(end + 4)
  const body = Number.isInteger(length) ? rest.slice(0, length) : rest
  // Latin-1 back to bytes, then UTF-8: bodies are JSON in UTF-8.
  const text = Buffer.from(body, "latin1").toString("utf8")
  return {
    raw,
    statusLine,
    status: Number(statusLine.split(" ")[1] ?? 0),
    headers,
    body: text,
    json: parseJson(text),
    closed,
    writtenBeforeResponse
  }
}

export interface ExchangeOptions {
  /** How long to wait for the server to close the connection after it answered. */
  readonly closeWithin?: number
  /** How long to wait for any answer at all. */
  readonly answerWithin?: number
  /** Pause between chunks, in ms (a slow client). */
  readonly pace?: number
  /** Stop writing as soon as the response starts. */
  readonly stopOnResponse?: boolean
  /** Close our side of the connection (FIN) once everything is written, still reading. */
  readonly halfClose?: boolean
}

/**
 * Writes `chunks` on a fresh connection to 127.0.0.1:`port` and collects what comes back until
 * the server closes the connection, or `closeWithin` ms after the first byte of an answer (then
 * `closed` is false). Write errors (the server closed while we were still sending) are expected
 * and ignored: what the server answered before is what counts.
 */
export const exchange = (
  port: number,
  chunks: string | Buffer | ReadonlyArray<string | Buffer>,
  options: ExchangeOptions = {}
): Effect.Effect<RawResponse> =>
  Effect.callback<RawResponse>((resume) => {
    const list = typeof chunks === "string" || Buffer.isBuffer(chunks) ? [chunks] : chunks
    const socket = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true })
    const received: Array<Buffer> = []
    let written = 0
    let writtenBeforeResponse = -1
    let done = false
    let closeTimer: ReturnType<typeof setTimeout> | undefined
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(closeTimer)
      clearTimeout(answerTimer)
      socket.destroy()
      const raw = Buffer.concat(received).toString("latin1")
      resume(Effect.succeed(parseResponse(raw, closed, writtenBeforeResponse === -1 ? written : writtenBeforeResponse)))
    }
    const answerTimer = setTimeout(() => finish(false), options.answerWithin ?? 10_000)
    socket.on("data", (chunk) => {
      if (received.length === 0) {
        writtenBeforeResponse = written
        closeTimer = setTimeout(() => finish(false), options.closeWithin ?? 2_000)
      }
      received.push(chunk)
    })
    socket.on("end", () => finish(true))
    socket.on("close", () => finish(true))
    socket.on("error", () => {
      // ECONNRESET / EPIPE after the server closed: the answer, if any, is already in `received`.
    })
    const write = async () => {
      for (const chunk of list) {
        if (done || socket.destroyed || (options.stopOnResponse === true && received.length > 0)) return
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk
        const flushed = socket.write(bytes)
        written += bytes.length
        if (!flushed) await new Promise<void>((resolve) => socket.once("drain", () => resolve()).once("close", () => resolve()))
        if (options.pace !== undefined) await new Promise((resolve) => setTimeout(resolve, options.pace))
      }
      if (options.halfClose === true && !socket.destroyed) socket.end()
    }
    socket.on("connect", () => {
      void write()
    })
    return Effect.sync(() => finish(false))
  })

/** `n` bytes of `byte`, as one Buffer. */
export const bytesOf = (n: number, byte = 0x61): Buffer => Buffer.alloc(n, byte)

/** A request head, CRLF-terminated, with the blank line. */
export const head = (requestLine: string, headerLines: ReadonlyArray<string>): string =>
  [requestLine, ...headerLines, "", ""].join("\r\n")
