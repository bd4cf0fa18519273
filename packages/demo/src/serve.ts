/**
 * `pnpm serve`: the reference API, kept running, with its keys, the port and a ready-to-paste curl
 * printed. `PORT` picks the port (default: a free one). With `--json` it prints one line,
 * `{ "baseUrl", "keys" }`, and logs nothing: what the cross tests read to drive it.
 */
import { NodeRuntime } from "@effect/platform-node"
import { ServeBanner } from "@errata/reference"
import { Console, Effect, Layer, Logger, LogLevel } from "effect"
import { issueDemoKeys } from "./Keys.js"
import { boundPort, serverLayer, ServicesLive } from "./Server.js"

const program = Effect.gen(function*() {
  const port = yield* boundPort
  const keys = yield* issueDemoKeys
  const base = `http://127.0.0.1:${port}`
  if (json) {
    yield* Console.log(JSON.stringify({ baseUrl: base, keys }))
    return yield* Effect.never
  }
  yield* Console.log(ServeBanner.banner("Effect 3 edition", base, keys))
  return yield* Effect.never
})

const port = Number(process.env["PORT"] ?? 0)
const json = process.argv.includes("--json")

const ServeLive = serverLayer(Number.isInteger(port) ? port : 0).pipe(
  Layer.provide(json ? Logger.minimumLogLevel(LogLevel.None) : Layer.empty),
  Layer.provideMerge(ServicesLive)
)

program.pipe(Effect.provide(ServeLive), NodeRuntime.runMain)
