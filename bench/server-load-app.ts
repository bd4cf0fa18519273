/**
 * One server of `bench/server-load.ts`, in a process of its own: `server-load.ts` bundles this
 * file once and runs the bundle with plain Node for every measurement, so that no two apps share a
 * heap, a garbage collector or the JIT's type feedback, as no two apps do in production.
 *
 * Protocol over the IPC channel: this process sends `{ ready, url }` once it listens on 127.0.0.1;
 * on `start` it collects garbage (left by the previous measurement or the warm-up) and starts
 * counting its event loop's busy time, its CPU time and the bytes it allocates, and on `stop` it
 * reports all three since. A `start` with `profile` also runs V8's sampling CPU profiler until
 * `stop`, which then reports the self time of every function seen (`server-profile.ts`).
 */
import type { HttpApp } from "@effect/platform"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Scope } from "effect"
import { createServer } from "node:http"
import { Session } from "node:inspector/promises"
import { performance } from "node:perf_hooks"
import { GCProfiler, getHeapStatistics } from "node:v8"
import { type AppName, apps, isAppName } from "./server-apps.js"

/** What the parent and this process say to each other. */
export type Message =
  | { readonly _tag: "ready"; readonly url: string }
  | { readonly _tag: "start"; readonly profile?: boolean }
  | { readonly _tag: "started" }
  | { readonly _tag: "stop" }
  | {
    readonly _tag: "stopped"
    readonly busyMillis: number
    readonly cpuMillis: number
    /** Bytes allocated on the JavaScript heap, garbage included. */
    readonly allocatedBytes: number
    /** With `profile`: microseconds spent in each function itself, by `name file:line`. */
    readonly selfMicros?: Record<string, number>
  }

const listen = <E>(app: HttpApp.Default<E>) =>
  Effect.gen(function*() {
    const context = yield* Layer.buildWithScope(
      HttpServer.serve(app).pipe(
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
      ),
      yield* Scope.Scope
    )
    const server = yield* Effect.provide(HttpServer.HttpServer, context)
    return server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : ""
  })

const send = (message: Message) => process.send?.(message)

const collectGarbage: () => void = typeof globalThis.gc === "function" ? globalThis.gc : () => {}

// Sampled every 50 µs: a request of about 100 µs is seen a couple of times.
const SAMPLING_MICROS = 50

const startProfiler = async () => {
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: SAMPLING_MICROS })
  await session.post("Profiler.start")
  return session
}

// The time of each sample goes to the function on top of the stack; the same function's nodes
// (one per call path) add up.
const stopProfiler = async (session: Session): Promise<Record<string, number>> => {
  const { profile } = await session.post("Profiler.stop")
  session.disconnect()
  const keyOf = new Map(profile.nodes.map((node) => {
    const { functionName, lineNumber, url } = node.callFrame
    // Paths from the package's name on; the bundle (errata and this app) as one name for every run.
    const file = url.replace(/^.*\/node_modules\/\.cache\/errata\/server-load-app-\d+\.mjs$/, "bundle:server-load-app")
      .replace(/^.*\/node_modules\//, "")
    return [node.id, `${functionName === "" ? "(anonymous)" : functionName} ${file}:${lineNumber + 1}`] as const
  }))
  const self: Record<string, number> = {}
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  // A sample's time is the gap to the next one.
  samples.forEach((id, i) => {
    const key = keyOf.get(id) ?? "(unknown)"
    self[key] = (self[key] ?? 0) + (deltas[i + 1] ?? 0)
  })
  return self
}

// What the heap grew by, plus what every collection in between freed: the bytes allocated, as the
// sum of what each collection freed is the garbage made, and the growth what is still held.
const countAllocations = () => {
  const profiler = new GCProfiler()
  const usedBefore = getHeapStatistics().used_heap_size
  profiler.start()
  return () => {
    const usedAfter = getHeapStatistics().used_heap_size
    const freed = profiler.stop().statistics.reduce(
      (sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize,
      0
    )
    return usedAfter - usedBefore + freed
  }
}

const serve = (name: AppName) =>
  Effect.gen(function*() {
    send({ _tag: "ready", url: yield* listen(apps[name]) })
    let since = performance.eventLoopUtilization()
    let cpuSince = process.cpuUsage()
    let allocated = () => 0
    let profiler: Promise<Session> | undefined
    process.on("message", async (message: Message) => {
      if (message._tag === "start") {
        collectGarbage()
        if (message.profile === true) await (profiler = startProfiler())
        since = performance.eventLoopUtilization()
        cpuSince = process.cpuUsage()
        allocated = countAllocations()
        send({ _tag: "started" })
      } else if (message._tag === "stop") {
        const cpu = process.cpuUsage(cpuSince)
        const busyMillis = performance.eventLoopUtilization(since).active
        const allocatedBytes = allocated()
        const selfMicros = profiler === undefined ? undefined : await stopProfiler(await profiler)
        profiler = undefined
        send({
          _tag: "stopped",
          busyMillis,
          cpuMillis: (cpu.user + cpu.system) / 1000,
          allocatedBytes,
          ...(selfMicros === undefined ? {} : { selfMicros })
        })
      }
    })
    // Served until the parent goes away: it disconnects, or kills this process.
    yield* Effect.async<void>((resume) => {
      process.once("disconnect", () => resume(Effect.void))
    })
  })

const name = process.argv[2]
if (isAppName(name)) Effect.runPromise(Effect.scoped(serve(name))).then(() => process.exit(0))
else {
  console.error(`server-load-app: unknown app ${String(name)}; one of ${Object.keys(apps).join(", ")}`)
  process.exit(1)
}
