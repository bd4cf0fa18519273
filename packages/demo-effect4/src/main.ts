/**
 * `pnpm demo:effect4`: starts the reference API on a free loopback port, runs the client tour
 * against it, prints the table and exits 0 when every case showed what it meant to.
 */
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { TourScript } from "@errata/reference"
import { Console, Effect, Layer, References } from "effect"
import { issueDemoKeys } from "./Keys.js"
import { boundPort, serverLayer, ServicesLive } from "./Server.js"
import * as Tour from "./Tour.js"

const program = Effect.gen(function*() {
  const port = yield* boundPort
  const keys = yield* issueDemoKeys
  const baseUrl = `http://127.0.0.1:${port}`
  yield* Console.log(`errata reference API (Effect 4 edition) on ${baseUrl} (OpenAPI at /openapi.json, docs at /docs)\n`)
  const rows = yield* Tour.run(baseUrl, keys, Tour.progress)
  const { failed, line } = TourScript.summary(rows)
  yield* Console.log(`\n${TourScript.table(rows)}\n\n${line}`)
  if (failed > 0) return yield* Effect.fail(`${failed} case(s) did not show what they meant to`)
})

// The server's own logs (the injected failures it answered, say) would drown the tour's output.
// Effect 4 has no `Logger.minimumLogLevel` layer: the minimum is a reference, provided as a service.
const quiet = Layer.succeed(References.MinimumLogLevel, "None")

const MainLive = serverLayer(0).pipe(
  Layer.provide(quiet),
  Layer.provideMerge(ServicesLive),
  Layer.provideMerge(NodeHttpClient.layerUndici)
)

program.pipe(Effect.provide(MainLive), NodeRuntime.runMain)
