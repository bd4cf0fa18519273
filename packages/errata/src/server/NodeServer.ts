/**
 * Node's HTTP server for errata apps, answering in the dialect the requests that Node itself
 * refuses before any app sees them. Node's parser answers those with a bare `400 Bad Request`
 * (`431` for headers too large, `408` for a request too slow, `417` for an unknown `Expect`), with
 * no body and no request ID; this server answers each with `400 INVALID_INPUT` (the catalog has
 * no 408, 417 or 431), `Content-Type: application/json`, a fresh `X-Request-ID` and
 * `Connection: close`, and then closes the connection. Nothing the request carried is written
 * back, and a request refused before its headers are through never reaches the app:
 *
 * - a request the parser cannot read: a `Content-Length` given twice or beside a
 *   `Transfer-Encoding`, a character a header may not hold (a control character, a bare CR or
 *   LF), a method the parser does not know, a bad HTTP version, TLS or HTTP/2 bytes;
 * - a request line and headers over `maxHeaderSize` (a long URL counts);
 * - an HTTP/1.1 request without `Host`;
 * - an `Expect` other than `100-continue`;
 * - `CONNECT` (errata serves no tunnels);
 * - a request not received within Node's `headersTimeout` / `requestTimeout`.
 *
 * A body whose framing breaks after the headers (a bad chunk, a body cut short by the client)
 * is found while the app reads it: the refusal is the answer, and the app's read fails. A broken
 * request pipelined behind a good one waits for the good one's answer.
 *
 * The layer also lifts the router's limit on path parameters (`maxParamLength`, 100 characters by
 * default, past which a path matches no route at all): the parser's limit on the request line
 * bounds them, so a long path ID is `INVALID_*_ID`, not `NOT_FOUND`. A `maxParamLength` of your
 * own (`HttpRouter.serve(app, { routerConfig })`) wins.
 *
 * Node-specific, so not part of `errata/server`'s index, which imports on any runtime: import it
 * by its subpath. The HTTP parser stays strict (`insecureHTTPParser: false`, whatever the
 * process's flags).
 *
 * @example
 * import { Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { ServerErrors } from "errata/server"
 * import * as NodeServer from "errata/server/NodeServer"
 *
 * const Routes = HttpRouter.add("GET", "/health", HttpServerResponse.text("ok"))
 * // Run it with `Layer.launch(ServerLive).pipe(NodeRuntime.runMain)`.
 * const ServerLive = HttpRouter.serve(Layer.mergeAll(Routes, ServerErrors.layer())).pipe(
 *   Layer.provide(NodeServer.layer({ port: 3000 }))
 * )
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import type * as Etag from "effect/http/Etag"
import type * as HttpPlatform from "effect/http/HttpPlatform"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServer from "effect/http/HttpServer"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as Layer from "effect/Layer"
import * as Http from "node:http"
import type { Duplex } from "node:stream"
import * as ApiError from "../ApiError.js"
import * as Wire from "../Wire.js"
import * as RequestId from "./internal/requestId.js"

// Options of `layer`; each documents its default.
interface Options {
  /**
   * The port to listen on; 0 picks a free one.
   *
   * @default 0
   */
  readonly port?: number | undefined
  /**
   * The address to listen on.
   *
   * @default every interface, as Node's `server.listen`
   */
  readonly host?: string | undefined
  /**
   * The largest request line and header block, in bytes; a longer one is `INVALID_INPUT`
   * "Request line and headers are too large".
   *
   * @default Node's `http.maxHeaderSize`, 16384 unless `--max-http-header-size` says otherwise
   */
  readonly maxHeaderSize?: number | undefined
  /**
   * Makes the `X-Request-ID` of these answers; as `ServerErrors.Options.generateRequestId`, and
   * best the same function.
   *
   * @default the middleware's default generator
   */
  readonly generateRequestId?: (() => string) | undefined
}

const codeOf = (error: Error): string | undefined =>
  "code" in error && typeof error.code === "string" ? error.code : undefined

// Fixed messages: a refusal names the rule that was broken, never what the client sent.
const messageOf = (code: string | undefined, maxHeaderSize: number): string => {
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

const answerOf = (message: string, id: string) => {
  const { body, headers, status } = Wire.encode(new ApiError.InvalidInput({ message }))
  return { status, headers: { ...headers, [RequestId.header]: id, connection: "close" }, body: JSON.stringify(body) }
}

// The answer as bytes for a bare socket, where Node gives no response object to write it with.
const rawAnswer = (message: string, id: string): string => {
  const { body, headers, status } = answerOf(message, id)
  const lines = [`HTTP/1.1 ${status} ${Http.STATUS_CODES[status] ?? ""}`, `date: ${new Date().toUTCString()}`]
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  lines.push(`content-length: ${Buffer.byteLength(body, "utf8")}`)
  return `${lines.join("\r\n")}\r\n\r\n${body}`
}

/**
 * Node's server with the one hook it lacks: an HTTP/1.1 request without `Host` is refused before
 * the `request` (or `checkContinue`) event, as Node's own `requireHostHeader` does (Node answers
 * it with a bare 400 and has no event for it, so that check is off and done here).
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

const make = (options: Options): Http.Server => {
  const generate = RequestId.generator(options.generateRequestId)
  const maxHeaderSize = options.maxHeaderSize ?? Http.maxHeaderSize
  // The latest response on each connection, to tell a broken request that is being answered (its
  // body is what failed to parse) from a broken one pipelined behind a good one.
  const responses = new WeakMap<object, Http.ServerResponse>()
  const refuse = (response: Http.ServerResponse, message: string) => {
    const { body, headers, status } = answerOf(message, generate())
    response.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body, "utf8")) })
    response.end(body)
  }
  const refuseSocket = (socket: Duplex, message: string) => {
    socket.end(rawAnswer(message, generate()), () => socket.destroy())
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
    const message = messageOf(code, maxHeaderSize)
    const inFlight = responses.get(socket)
    if (inFlight === undefined || inFlight.writableFinished) return refuseSocket(socket, message)
    if (!inFlight.req.complete) {
      // The request being handled is the broken one (a bad chunk, a body cut short): the refusal
      // is its answer, unless its own answer has begun; closing the connection ends the handler's
      // wait for the rest of the body.
      if (inFlight.headersSent) socket.destroy()
      else refuseSocket(socket, message)
      return
    }
    // A broken request pipelined behind one being answered: that answer first, then the refusal
    // (Node's own handler would write its 400 in the place of the first answer).
    inFlight.once("close", () => {
      if (inFlight.writableFinished && socket.writable) refuseSocket(socket, message)
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

// No limit of the router's own: the parser's limit on the request line bounds path parameters.
const longParams = Layer.effect(HttpRouter.RouterConfig)(
  Effect.map(HttpRouter.RouterConfig, (config) =>
    config.maxParamLength === undefined ? { ...config, maxParamLength: Number.MAX_SAFE_INTEGER } : config)
)

/**
 * The `HttpServer` of `@effect/platform-node` (`NodeHttpServer.layer`) on a Node server that
 * answers the requests Node's parser refuses in the dialect (see the module's description), with
 * the router's limit on path parameters lifted.
 *
 * @example
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { HttpApi, HttpApiBuilder } from "effect/http-api"
 * import { ServerErrors } from "errata/server"
 * import * as NodeServer from "errata/server/NodeServer"
 *
 * const Api = HttpApi.make("api")
 * const ServerLive = HttpRouter.serve(Layer.mergeAll(HttpApiBuilder.layer(Api), ServerErrors.layer())).pipe(
 *   Layer.provide(NodeServer.layer({ port: 3000, host: "127.0.0.1" }))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<
  HttpServer.HttpServer | HttpPlatform.HttpPlatform | Etag.Generator | NodeServices.NodeServices,
  HttpServerError.ServeError
> =>
  Layer.merge(
    NodeHttpServer.layer(() => make(options), {
      port: options.port ?? 0,
      ...(options.host === undefined ? {} : { host: options.host })
    }),
    longParams
  )
