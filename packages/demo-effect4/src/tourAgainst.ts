/**
 * `node dist/tourAgainst.js <base URL> <keys as JSON>`: runs this edition's tour against any server
 * of the reference API (the Effect 3 edition's, say) and prints its rows as one JSON line, for the
 * cross tests. The keys are the `DemoKeys` that server issued, as its `serve --json` prints them.
 */
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { ApiKeys } from "@errata/reference"
import { Console, Effect } from "effect"
import * as Tour from "./Tour.js"

const [baseUrl = "", keys = ""] = process.argv.slice(2)
const demoKeys = ApiKeys.parseDemoKeys(keys)

const program = Effect.gen(function*() {
  if (demoKeys === undefined || !URL.canParse(baseUrl)) {
    return yield* Effect.fail("usage: node dist/tourAgainst.js <base URL> <the keys, as the server's `serve --json` prints them>")
  }
  yield* Console.log(JSON.stringify(yield* Tour.run(baseUrl, demoKeys)))
})

program.pipe(Effect.provide(NodeHttpClient.layerUndici), NodeRuntime.runMain)
