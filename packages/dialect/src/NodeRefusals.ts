/**
 * Node only (it imports `node:http`): the requests Node's HTTP parser refuses before any app sees
 * them, answered in the dialect. Node answers those with a bare `400 Bad Request` (`431` for
 * headers too large, `408` for a request too slow, `417` for an unknown `Expect`), with no body
 * and no request ID; the server `make` gives answers each with `400 INVALID_INPUT` (the catalog
 * has no 408, 417 or 431), `Content-Type: application/json`, a fresh `X-Request-ID` and
 * `Connection: close`, and then closes the connection. Nothing the request carried is written
 * back. Each edition's `NodeServer.layer` runs its platform's HTTP server on it.
 *
 * Not part of the dialect's index, which imports on any runtime: import it by its subpath,
 * `@errata/dialect/NodeRefusals`.
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import type { Duplex } from "node:stream"
import * as Catalog from "./Catalog.js"
import * as RequestId from "./RequestId.js"
import * as WireFormat from "./WireFormat.js"

/**
 * The message of a refusal, by the `code` of Node's parser error (`HPE_*`, or
 * `ERR_HTTP_REQUEST_TIMEOUT`): fixed messages, naming the rule that was broken, never what the
 * client sent.
 *
 * @example
 * import * as NodeRefusals from "@errata/dialect/NodeRefusals"
 * NodeRefusals.message("HPE_HEADER_OVERFLOW", 16384) // "Request line and headers are too large (limit 16384 bytes)"
 * NodeRefusals.message(undefined, 16384) // "Request is not valid HTTP/1.1"
 *
 * @since 0.1.0
 * @category refusals
 */
export const message = (code: string | undefined, maxHeaderSize: number): string => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return `Request line and headers are too large (limit ${maxHeaderSize} bytes)`
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return "Request was not received in time"
    case "HPE_INVALID_METHOD":
      return "Request method is not supported"
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_INVALID_TRANSFER_ENCODING":
    case "HPE_INVALID_CHUNK_SIZE":
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return "Request body framing (Content-Length, Transfer-Encoding) is invalid"
    case "HPE_INVALID_EOF_STATE":
      return "Request ended before its body did"
    case "HPE_INVALID_HEADER_TOKEN":
    case "HPE_LF_EXPECTED":
    case "HPE_CR_EXPECTED":
      return "Request headers are malformed"
    default:
      return "Request is not valid HTTP/1.1"
  }
}

/**
 * A refusal as it goes out: the status, the headers (without `Content-Length`, which the writer
 * adds) and the body as JSON text.
 *
 * @example
 * import type * as NodeRefusals from "@errata/dialect/NodeRefusals"
 * const answer: NodeRefusals.Answer = { status: 400, headers: { "content-type": "application/json" }, body: "{}" }
 *
 * @since 0.1.0
 * @category models
 */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const invalidInput = Catalog.entries.INVALID_INPUT

/**
 * The answer to a refusal: `400 INVALID_INPUT` with `message`, the request ID and
 * `Connection: close`, written as `WireFormat.write` writes every error.
 *
 * @example
 * import * as NodeRefusals from "@errata/dialect/NodeRefusals"
 * NodeRefusals.answer("Host header is required", "req_1")
 * // { status: 400,
 * //   headers: { "content-type": "application/json", "x-request-id": "req_1", connection: "close" },
 * //   body: '{"error":{"code":"INVALID_INPUT","message":"Host header is required"}}' }
 *
 * @since 0.1.0
 * @category refusals
 */
export const answer = (message: string, requestId: string): Answer => {
  const { body, headers, status } = WireFormat.write({ code: invalidInput.code, status: invalidInput.status, message })
  return { status, headers: { ...headers, [RequestId.header]: requestId, connection: "close" }, body: JSON.stringify(body) }
}

/**
 * An answer as the bytes of an HTTP/1.1 response, for a bare socket, where Node gives no response
 * object to write it with: status line, `date` (of `now`, in milliseconds), the headers,
 * `content-length`, the body.
 *
 * @example
 * import * as NodeRefusals from "@errata/dialect/NodeRefusals"
 * NodeRefusals.raw(NodeRefusals.answer("CONNECT is not supported", "req_1"), Date.now()).startsWith("HTTP/1.1 400 Bad Request\r\n") // true
 *
 * @since 0.1.0
 * @category refusals
 */
export const raw = ({ body, headers, status }: Answer, now: number): string => {
  const lines = [`HTTP/1.1 ${status} ${Http.STATUS_CODES[status] ?? ""}`, `date: ${new Date(now).toUTCString()}`]
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  lines.push(`content-length: ${Buffer.byteLength(body, "utf8")}`)
  return `${lines.join("\r\n")}\r\n\r\n${body}`
}

/**
 * Node's server with the one hook it lacks: an HTTP/1.1 request without `Host` is refused before
 * the `request` (or `checkContinue`) event, as Node's own `requireHostHeader` does (Node answers
 * it with a bare 400 and has no event for it, so that check is off and done here). Node emits
 * `checkContinue` only to a server that listens to it.
 */
class Server extends Http.Server {
  constructor(
    options: Http.ServerOptions,
    private readonly onRequest: (request: Http.IncomingMessage, response: Http.ServerResponse) => boolean
  ) {
    super(options)
  }

  override emit(event: string, ...args: Array<unknown>): boolean {
    if (event === "request" || event === "checkContinue") {
      const [request, response] = args
      if (request instanceof Http.IncomingMessage && response instanceof Http.ServerResponse && this.onRequest(request, response)) {
        return true
      }
    }
    return super.emit(event, ...args)
  }
}

/**
 * The options of `make`; each documents its default.
 *
 * @example
 * import type * as NodeRefusals from "@errata/dialect/NodeRefusals"
 * const options: NodeRefusals.Options = { maxHeaderSize: 8192, generateRequestId: () => globalThis.crypto.randomUUID() }
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The largest request line and header block, in bytes; a longer one is `INVALID_INPUT`
   * "Request line and headers are too large".
   *
   * @default Node's `http.maxHeaderSize`, 16384 unless `--max-http-header-size` says otherwise
   * @since 0.1.0
   */
  readonly maxHeaderSize?: number | undefined
  /**
   * Makes the `X-Request-ID` of these answers; as `ServerErrors.Options.generateRequestId`, and
   * best the same function.
   *
   * @default the middleware's default generator
   * @since 0.1.0
   */
  readonly generateRequestId?: (() => string) | undefined
}

const codeOf = (error: Error): string | undefined =>
  "code" in error && typeof error.code === "string" ? error.code : undefined

/**
 * A Node HTTP server, not yet listening, that answers in the dialect what Node's parser refuses,
 * before any app sees it:
 *
 * - a request the parser cannot read: a `Content-Length` given twice or beside a
 *   `Transfer-Encoding`, a character a header may not hold (a control character, a bare CR or
 *   LF), a method the parser does not know, a bad HTTP version, TLS or HTTP/2 bytes;
 * - a request line and headers over `maxHeaderSize` (a long URL counts);
 * - an HTTP/1.1 request without `Host`;
 * - an `Expect` other than `100-continue`;
 * - `CONNECT`;
 * - a request not received within Node's `headersTimeout` / `requestTimeout`.
 *
 * A body whose framing breaks after the headers (a bad chunk, a body cut short by the client)
 * is found while the app reads it: the refusal is the answer, and the app's read fails. A broken
 * request pipelined behind a good one waits for the good one's answer. A client that hung up gets
 * no answer. The HTTP parser stays strict (`insecureHTTPParser: false`, whatever the process's
 * flags).
 *
 * @example
 * import * as NodeRefusals from "@errata/dialect/NodeRefusals"
 *
 * const server = NodeRefusals.make({ maxHeaderSize: 8192 })
 * server.on("request", (_request, response) => response.end("ok"))
 * // server.listen(3000)
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Http.Server => {
  const generate = RequestId.generator(options.generateRequestId)
  const maxHeaderSize = options.maxHeaderSize ?? Http.maxHeaderSize
  // The latest response on each connection, to tell a broken request that is being answered (its
  // body is what failed to parse) from a broken one pipelined behind a good one.
  const responses = new WeakMap<object, Http.ServerResponse>()
  const refuse = (response: Http.ServerResponse, message: string) => {
    const { body, headers, status } = answer(message, generate())
    response.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body, "utf8")) })
    response.end(body)
  }
  const refuseSocket = (socket: Duplex, message: string) => {
    socket.end(raw(answer(message, generate()), Date.now()), () => socket.destroy())
  }
  const server = new Server(
    { maxHeaderSize, requireHostHeader: false, insecureHTTPParser: false },
    (request, response) => {
      responses.set(request.socket, response)
      if (request.httpVersionMajor === 1 && request.httpVersionMinor === 1 && request.headers.host === undefined) {
        refuse(response, "Host header is required")
        return true
      }
      return false
    }
  )
  server.on("clientError", (error: Error, socket: Duplex) => {
    const code = codeOf(error)
    // A client that hung up gets no answer.
    if (code === "ECONNRESET" || !socket.writable) {
      socket.destroy()
      return
    }
    const refusal = message(code, maxHeaderSize)
    const inFlight = responses.get(socket)
    if (inFlight === undefined || inFlight.writableFinished) return refuseSocket(socket, refusal)
    if (!inFlight.req.complete) {
      // The request being handled is the broken one (a bad chunk, a body cut short): the refusal
      // is its answer, unless its own answer has begun; closing the connection ends the handler's
      // wait for the rest of the body.
      if (inFlight.headersSent) socket.destroy()
      else refuseSocket(socket, refusal)
      return
    }
    // A broken request pipelined behind one being answered: that answer first, then the refusal
    // (Node's own handler would write its 400 in the place of the first answer).
    inFlight.once("close", () => {
      if (inFlight.writableFinished && socket.writable) refuseSocket(socket, refusal)
      else socket.destroy()
    })
  })
  // Without this listener Node answers an `Expect` it does not know with a bare 417.
  server.on("checkExpectation", (_request: Http.IncomingMessage, response: Http.ServerResponse) => {
    refuse(response, "Expect header is not supported (only 100-continue is)")
  })
  // Without this listener Node drops a CONNECT without a word.
  server.on("connect", (_request: Http.IncomingMessage, socket: Duplex) => {
    refuseSocket(socket, "CONNECT is not supported")
  })
  return server
}
