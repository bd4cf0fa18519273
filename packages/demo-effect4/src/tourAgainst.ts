/**
 * `node dist/tourAgainst.js <base URL> <keys as JSON>`: runs this edition's tour against any server
 * of the reference API (the Effect 3 edition's, say) and prints its rows as one JSON line, for the
 * cross tests. The keys are the `DemoKeys` that server issued, as its `serve --json` prints them.
 */
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import type { ApiKeys } from "@errata/reference"
import { Console, Effect } from "effect"
import * as Tour from "./Tour.js"

const [baseUrl = "", keys = "{}"] = process.argv.slice(2)

// Boundary: the keys come from the server's own `--json` line, which prints `DemoKeys`.
const demoKeys: ApiKeys.DemoKeys = JSON.parse(keys)

Tour.run(baseUrl, demoKeys).pipe(
  Effect.flatMap((rows) => Console.log(JSON.stringify(rows))),
  Effect.provide(NodeHttpClient.layerUndici),
  NodeRuntime.runMain
)
