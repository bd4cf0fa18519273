/**
 * Where a server's time goes, function by function, under the load of `server-load.ts`:
 * `pnpm bench:profile`. Not a bar: the tool for finding what the middleware costs once
 * `server-load.ts` says how much.
 *
 * Two apps of `server-apps.ts` (APPS, default `bare,errata`) are served in turn, each round by
 * a fresh process as in `server-load.ts`, and V8's sampling CPU profiler runs in the server for
 * the measured load only, after the warm-up. The self time of every function is summed over the
 * rounds and divided by the requests served, and the functions whose time per request differs
 * most between the two apps are printed: what the second app adds (or saves) per request, in µs.
 * The profiler slows the server down by a tenth or so, evenly, so the differences are for
 * comparing, not absolute costs. Everything runs on 127.0.0.1, each load bounded in time.
 *
 * Environment: APPS (two app names, default bare,errata), ROUNDS (default 4), SECONDS (default 5),
 * WARMUP_SECONDS (default 2), CONNECTIONS (default 10), PATH_TO (default /contacts/1), TOP (default
 * 30), PIN=0 to leave threads unpinned.
 */
import { Effect } from "effect"
import { type AppName, isAppName } from "./server-apps.js"
import { bundleApp, loadOnce, pinned, runBounded, start } from "./server-process.js"

const ROUNDS = Number(process.env["ROUNDS"] ?? 4)
const SECONDS = Number(process.env["SECONDS"] ?? 5)
const WARMUP_SECONDS = Number(process.env["WARMUP_SECONDS"] ?? 2)
const CONNECTIONS = Number(process.env["CONNECTIONS"] ?? 10)
const PATH_TO = process.env["PATH_TO"] ?? "/contacts/1"
const TOP = Number(process.env["TOP"] ?? 30)

const [first, second] = (process.env["APPS"] ?? "bare,errata").split(",")

interface Totals {
  requests: number
  readonly self: Map<string, number>
}

const profileOnce = (app: AppName, totals: Totals) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* start(app)
    yield* Effect.promise(async () => {
      await loadOnce(server, { path: PATH_TO, seconds: WARMUP_SECONDS, connections: CONNECTIONS })
      const { result, stopped } = await loadOnce(server, {
        path: PATH_TO,
        seconds: SECONDS,
        connections: CONNECTIONS,
        profile: true
      })
      totals.requests += result.requests.total
      for (const [key, micros] of Object.entries(stopped.selfMicros ?? {})) {
        totals.self.set(key, (totals.self.get(key) ?? 0) + micros)
      }
      console.log(`  ${app}: ${Math.round(result.requests.average).toLocaleString("en-US")} req/s`)
    })
  }))

// What the profiler reports that is not JavaScript: waiting, and the garbage collector's pauses.
const IDLE = "(idle) :0"

const program = (a: AppName, b: AppName) =>
  Effect.gen(function*() {
    console.log(
      `server-profile: ${a} against ${b}, ${ROUNDS} rounds × ${SECONDS}s on ${PATH_TO}, ${CONNECTIONS} connections, ` +
        `127.0.0.1, a fresh server process per measurement${pinned ? ", main threads pinned" : ", unpinned"}`
    )
    yield* bundleApp
    const totals: Record<"a" | "b", Totals> = { a: { requests: 0, self: new Map() }, b: { requests: 0, self: new Map() } }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so that drift (thermal, other load on the box) favours no side.
      const order = round % 2 === 0 ? ["a", "b"] as const : ["b", "a"] as const
      for (const side of order) yield* profileOnce(side === "a" ? a : b, totals[side])
    }
    const perRequest = (side: "a" | "b", key: string) => (totals[side].self.get(key) ?? 0) / Math.max(1, totals[side].requests)
    const busy = (side: "a" | "b") =>
      [...totals[side].self.keys()].reduce((sum, key) => key === IDLE ? sum : sum + perRequest(side, key), 0)
    const rows = [...new Set([...totals.a.self.keys(), ...totals.b.self.keys()])]
      .filter((key) => key !== IDLE)
      .map((key) => ({ key, a: perRequest("a", key), b: perRequest("b", key) }))
      .sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a))
    console.log("")
    console.log(`profiled time per request, idle left out: ${a} ${busy("a").toFixed(1)} µs, ${b} ${busy("b").toFixed(1)} µs`)
    console.log(`${"difference".padStart(10)} ${a.padStart(10)} ${b.padStart(10)}  µs per request, function (file:line)`)
    for (const row of rows.slice(0, TOP)) {
      console.log(
        `${(row.b - row.a).toFixed(3).padStart(10)} ${row.a.toFixed(3).padStart(10)} ${row.b.toFixed(3).padStart(10)}  ${row.key}`
      )
    }
  })

if (!isAppName(first) || !isAppName(second)) {
  console.error(`server-profile: APPS must name two apps of server-apps.ts, got ${process.env["APPS"]}`)
  process.exit(1)
}

runBounded("server-profile", ROUNDS * 2 * (SECONDS + WARMUP_SECONDS + 10) + 60, program(first, second), 1)
