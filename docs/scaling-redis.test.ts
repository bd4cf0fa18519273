/**
 * Runs docs/examples/scaling-redis.ts as docs/scaling.md describes it: two instances configured
 * by ERRATA_REDIS_URL, sharing one real redis-server (started here on a free loopback port; the
 * test fails if it cannot be), then that Redis stopped.
 */
import { HttpServer } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Logger, LogLevel } from "effect"
import { redisServer } from "../packages/server/test/support/Redis.js"
import * as Scaling from "./examples/scaling-redis.js"

const startInstance = (provider: ConfigProvider.ConfigProvider, logger: Logger.Logger<unknown, void>) =>
  Effect.flatMap(
    Layer.build(Scaling.InstanceLive({ port: 0, host: "127.0.0.1" })).pipe(
      Effect.withConfigProvider(provider),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    ),
    (context) => {
      const { address } = Context.get(context, HttpServer.HttpServer)
      return address._tag === "TcpAddress"
        ? Effect.succeed(`http://127.0.0.1:${address.port}`)
        : Effect.dieMessage("expected a TCP address")
    }
  )

const get = (base: string) =>
  Effect.promise(async () => {
    const started = performance.now()
    const response = await fetch(`${base}/contacts`, { headers: { authorization: "Bearer sk_live_docs" } })
    await response.arrayBuffer()
    return { response, millis: performance.now() - started }
  })

describe("scaling: many instances, one limit", () => {
  it.scopedLive("two instances share the Free bucket of a key; with Redis stopped they serve uncounted, at once", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const provider = ConfigProvider.fromMap(
        new Map([["ERRATA_REDIS_URL", redis.url], ["ERRATA_REDIS_PREFIX", `docs:${process.pid}:${Date.now()}:`]])
      )
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) warnings.push(String(message))
      })
      const instances = [yield* startInstance(provider, logger), yield* startInstance(provider, logger)] as const

      // The burst of 15, alternating between the instances, counts down as one.
      const remaining: Array<string | null> = []
      for (let i = 0; i < 15; i++) {
        const { response } = yield* get(instances[i % 2]!)
        expect(response.status).toBe(200)
        remaining.push(response.headers.get("x-ratelimit-remaining"))
      }
      expect(remaining).toStrictEqual(Array.from({ length: 15 }, (_, i) => String(14 - i)))
      for (const base of instances) {
        const { response } = yield* get(base)
        expect(response.status).toBe(429)
        // Free refills a token every 6 s.
        expect(response.headers.get("retry-after")).toBe("6")
      }

      yield* redis.stop
      for (const base of instances) {
        const { response, millis } = yield* get(base)
        expect(response.status).toBe(200)
        expect(response.headers.get("x-ratelimit-remaining")).toBeNull()
        // A Redis that refuses connections fails the store at once, well within the store's timeout.
        expect(millis).toBeLessThan(250 + 1000)
      }
      // One warning for both requests: the two instances share the example's middleware, and
      // so its once-a-minute warning; separate processes would each log one.
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/rate-limit store unavailable \(Redis .+\); serving requests without a limit/)
    }))
})
