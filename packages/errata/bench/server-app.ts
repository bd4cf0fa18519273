/**
 * One app of `server-apps.ts` served on 127.0.0.1 in a process of its own, by Node 22 on Effect 4:
 * the root's `bench/server-load.ts` (`EDITION=effect4`, run by `scripts/bench-effect4.sh`) bundles
 * this file once and runs the bundle for every measurement, so that no two apps share a heap, a
 * garbage collector or the JIT's type feedback, as no two apps do in production.
 *
 * Over the IPC channel it sends its URL once it listens, and answers `collect` (after the warm-up)
 * once it has collected garbage, so that the warm-up's is not collected during the measurement.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { createServer } from "node:http"
import { type AppName, apps, isAppName } from "./server-apps.js"

const serve = (name: AppName) =>
  Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    process.send?.({ url: `http://127.0.0.1:${port}` })
    process.on("message", () => {
      globalThis.gc?.()
      process.send?.({ collected: true })
    })
    // Served until the parent goes away.
    yield* Effect.callback<void>((resume) => {
      process.once("disconnect", () => resume(Effect.void))
    })
  }).pipe(
    Effect.provide(apps[name].pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
    ))
  )

const name = process.argv[2]
if (isAppName(name)) {
  Effect.runPromise(serve(name)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`server-app: ${name} failed:`, error)
      process.exit(1)
    }
  )
} else {
  console.error(`server-app: unknown app ${String(name)}; one of ${Object.keys(apps).join(", ")}`)
  process.exit(1)
}
