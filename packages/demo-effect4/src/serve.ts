/**
 * `pnpm serve:effect4`: the reference API, kept running, with its keys, the port and a
 * ready-to-paste curl printed. `PORT` picks the port (default: a free one). With `--json` it prints
 * one line, `{ "baseUrl", "keys" }`, and logs nothing: what the cross tests read to drive it.
 */
import { NodeRuntime } from "@effect/platform-node"
import { ServeBanner } from "@errata/reference"
import { Console, Effect, Layer, References } from "effect"
import { issueDemoKeys } from "./Keys.js"
import { boundPort, serverLayer, ServicesLive } from "./Server.js"

const port = Number(process.env["PORT"] ?? 0)
const json = process.argv.includes("--json")

const program = Effect.gen(function*() {
  const port = yield* boundPort
  const keys = yield* issueDemoKeys
  const base = `http://127.0.0.1:${port}`
  if (json) {
    yield* Console.log(JSON.stringify({ baseUrl: base, keys }))
    return yield* Effect.never
  }
  yield* Console.log(ServeBanner.banner("Effect 4 edition", base, keys))
  return yield* Effect.never
})

const ServeLive = serverLayer(Number.isInteger(port) ? port : 0).pipe(
  // With `--json`, nothing but the one line: no listen line, no request lines.
  Layer.provide(json ? Layer.succeed(References.MinimumLogLevel, "None") : Layer.empty),
  Layer.provideMerge(ServicesLive)
)

program.pipe(Effect.provide(ServeLive), NodeRuntime.runMain)
