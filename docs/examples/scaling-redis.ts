import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { RateLimit, RateLimitRedis, ServerErrors } from "@errata/server"
import { Layer } from "effect"
import { createServer } from "node:http"

// Every instance runs this same server. Clients are keyed by API key and on Free (10 a minute,
// bursts of 15), wherever the load balancer sends them: the buckets are in Redis.
export const app = HttpRouter.empty.pipe(
  HttpRouter.get("/contacts", HttpServerResponse.json({ data: [], meta: {} })),
  // Redis down, or too slow: serve the request uncounted, and log a warning a minute.
  // "reject" would answer SERVICE_UNAVAILABLE instead.
  RateLimit.make({ onStoreError: "allow" }),
  ServerErrors.middleware
)

// ERRATA_REDIS_URL (redis:// or rediss://) and, optionally, ERRATA_REDIS_PREFIX say where the
// buckets are; instances with the same URL and prefix share them. A Redis that has not answered
// within 250 ms (the store's timeout) counts as down.
export const InstanceLive = (options: { readonly port: number; readonly host: string }) =>
  HttpServer.serve(app).pipe(
    Layer.provide(RateLimitRedis.layerConfig()),
    Layer.provideMerge(NodeHttpServer.layer(createServer, options))
  )
