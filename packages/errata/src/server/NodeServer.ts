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
import * as NodeRefusals from "@errata/dialect/NodeRefusals"
import * as Effect from "effect/Effect"
import type * as Etag from "effect/http/Etag"
import type * as HttpPlatform from "effect/http/HttpPlatform"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServer from "effect/http/HttpServer"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as Layer from "effect/Layer"

// Options of `layer`; each documents its default. `maxHeaderSize` and `generateRequestId` are the
// dialect's (`NodeRefusals.Options`): the Node server that refuses in the dialect is written once,
// for both editions, in `NodeRefusals.make`.
interface Options extends NodeRefusals.Options {
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
    NodeHttpServer.layer(() => NodeRefusals.make(options), {
      port: options.port ?? 0,
      ...(options.host === undefined ? {} : { host: options.host })
    }),
    longParams
  )
