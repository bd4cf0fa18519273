/**
 * `node dist/tourAgainst.js <base URL> <keys as JSON>`: runs this edition's tour against any server of the
 * reference API (the other edition's, say) and prints its rows as one JSON line, for the cross
 * tests. The keys are the `DemoKeys` that server issued, as its `serve --json` prints them.
 */
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { TourScript } from "@errata/reference"
import { Console, Effect } from "effect"
import * as Tour from "./Tour.js"

const target = TourScript.parseArguments(process.argv.slice(2))

const program = Effect.gen(function*() {
  if (target === undefined) return yield* Effect.fail(TourScript.usage)
  yield* Console.log(JSON.stringify(yield* Tour.run(target.baseUrl, target.keys)))
})

program.pipe(Effect.provide(NodeHttpClient.layerUndici), NodeRuntime.runMain)
