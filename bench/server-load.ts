/**
 * Loopback load against the same routes served bare and with `ServerErrors.middleware`, in one
 * run: `npx vite-node --config vitest.bench.config.ts bench/server-load.ts`.
 *
 * Bar (DESIGN.md): on success responses errata reaches at least 0.95 of the bare router's
 * requests/s. The error path is reported without a bar, against two baselines: a bare handler that
 * writes the same 404 body by hand without raising anything, and a bare handler that raises the
 * same `NotFound` and a hand-written `catchAll` that writes it. The second isolates errata's own
 * cost; the first also counts what raising a typed error costs in Effect.
 *
 * Every measurement gets a fresh server process of its own (`server-load-app.ts`), alone on the
 * box, as an app is in production: apps that share a process share its heap and its JIT, so one
 * app's garbage is collected during another's measurement and which ran before decides who pays.
 * The app is bundled with esbuild first and run by plain Node, as users ship a server (errata's
 * packages from their sources, effect and the platform from node_modules), not through vite-node's
 * module runner. The server warms up for a second and collects that garbage before it is measured.
 * Rounds alternate the order of the apps and medians are compared, since load on a small shared
 * box is noisy (quartiles of the per-round ratios are printed to show how much); the script prints
 * PASS/FAIL and always exits 0. Everything runs on 127.0.0.1; each measurement is bounded in time
 * (SECONDS) and the whole run by a watchdog.
 *
 * Besides requests/s, the server's own cost per request is reported: its event loop's busy time,
 * the CPU time of its process (which adds the garbage collector's helper threads), and the bytes
 * it allocates, which unlike time do not move with the box's noise.
 *
 * The bar's pair (bare and errata, 200) is measured in every round; the other series, reported
 * without a bar, every REPORTED_EVERY rounds.
 *
 * Environment: ROUNDS (default 24), REPORTED_EVERY (default 4), SECONDS per measurement (default 2),
 * WARMUP_SECONDS (default 1), CONNECTIONS (default 10), PIN=0 to leave threads unpinned.
 */
import { Effect } from "effect"
import type { AppName } from "./server-apps.js"
import { bundleApp, LOAD_CPU, loadOnce, pinned, runBounded, type Server, SERVER_CPU, start } from "./server-process.js"

const ROUNDS = Number(process.env["ROUNDS"] ?? 24)
// The reported series (everything but the bar's pair) are measured every this many rounds.
const REPORTED_EVERY = Number(process.env["REPORTED_EVERY"] ?? 4)
const SECONDS = Number(process.env["SECONDS"] ?? 2)
const WARMUP_SECONDS = Number(process.env["WARMUP_SECONDS"] ?? 1)
const CONNECTIONS = Number(process.env["CONNECTIONS"] ?? 10)
const BAR = 0.95

const load = (server: Server, path: string, seconds: number) =>
  Effect.promise(async () => {
    const { result, stopped } = await loadOnce(server, { path, seconds, connections: CONNECTIONS })
    const perRequest = (total: number) => result.requests.total > 0 ? total / result.requests.total : 0
    return {
      rps: result.requests.average,
      busyMicros: perRequest(stopped.busyMillis * 1000),
      cpuMicros: perRequest(stopped.cpuMillis * 1000),
      allocatedBytes: perRequest(stopped.allocatedBytes),
      errors: result.errors + result.timeouts + result.non2xx
    }
  })

// The q-quantile of xs, interpolated between the nearest ranks.
const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (s.length - 1) * q
  const low = s[Math.floor(at)] ?? 0
  return low + ((s[Math.ceil(at)] ?? low) - low) * (at - Math.floor(at))
}

const median = (xs: ReadonlyArray<number>) => quantile(xs, 0.5)

// The values of the rounds that measured a series (arrays indexed by round have holes).
const measuredOnly = (xs: ReadonlyArray<number | undefined>): Array<number> =>
  xs.filter((x): x is number => x !== undefined)

const format = (n: number) => Math.round(n).toLocaleString("en-US")

type Series = "bareOk" | "bareWithIdOk" | "errataOk" | "bareMissing" | "caughtMissing" | "errataMissing"

// The measurements of a round, in order: a series, the app that serves it, and the path; the bar's
// pair comes first.
const barPair: ReadonlyArray<readonly [Series, AppName, string]> = [
  ["bareOk", "bare", "/contacts/1"],
  ["errataOk", "errata", "/contacts/1"]
]
const plan: ReadonlyArray<readonly [Series, AppName, string]> = [
  ...barPair,
  ["bareWithIdOk", "bareWithId", "/contacts/1"],
  ["bareMissing", "bare", "/missing/1"],
  ["caughtMissing", "caught", "/missing/1"],
  ["errataMissing", "errata", "/missing/1"]
]

// A process of its own for every measurement, alone on the box: a process's speed depends on
// where its heap and code landed, by a few percent either way, and a server that has just served
// a load keeps collecting garbage for a while after it, on the core the next measurement needs.
const measure = (app: AppName, path: string) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* start(app)
    yield* load(server, path, WARMUP_SECONDS) // warm-up: JIT and sockets
    return yield* load(server, path, SECONDS)
  }))

const answerAlike = Effect.scoped(Effect.gen(function*() {
  const bare = yield* start("bare")
  const errata = yield* start("errata")
  const probe = yield* Effect.promise(() =>
    Promise.all([
      fetch(`${errata.url}/contacts/1`).then((r) => r.status),
      fetch(`${errata.url}/missing/1`).then((r) => r.text()),
      fetch(`${bare.url}/missing/1`).then((r) => r.text())
    ])
  )
  return probe[0] === 200 && probe[1] === probe[2]
}))

const program = Effect.gen(function*() {
  console.log(
    `server-load: ${ROUNDS} rounds × ${SECONDS}s per measurement (the bar's pair every round, the rest every ` +
      `${REPORTED_EVERY}), ${CONNECTIONS} connections, 127.0.0.1, a fresh server process per measurement` +
      (pinned ? `, main threads pinned: the server's to CPU ${SERVER_CPU}, the load's to CPU ${LOAD_CPU}` : ", unpinned")
  )
  // Indexed by round; a series not measured in a round has no entry for it.
  const perSeries = (): Record<Series, Array<number>> => ({
    bareOk: [],
    bareWithIdOk: [],
    errataOk: [],
    bareMissing: [],
    caughtMissing: [],
    errataMissing: []
  })
  const samples = perSeries()
  const busy = perSeries()
  const cpu = perSeries()
  const allocated = perSeries()
  let transportErrors = 0
  yield* bundleApp
  if (!(yield* answerAlike)) {
    console.log("setup check failed: the servers do not answer alike")
    return
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so that drift (thermal, other load on the box) favours no side.
    const measured = round % REPORTED_EVERY === 0 ? plan : barPair
    const order = round % 2 === 0 ? measured : [...measured].reverse()
    for (const [series, app, path] of order) {
      const { allocatedBytes, busyMicros, cpuMicros, errors, rps } = yield* measure(app, path)
      samples[series][round] = rps
      busy[series][round] = busyMicros
      cpu[series][round] = cpuMicros
      allocated[series][round] = allocatedBytes
      if (!series.endsWith("Missing")) transportErrors += errors
    }
    const last = (s: Series) => {
      const rps = samples[s][round]
      return rps === undefined ? "–" : format(rps)
    }
    console.log(
      `  round ${round + 1}: 200 bare ${last("bareOk")} errata ${last("errataOk")} bare+id ${last("bareWithIdOk")} | ` +
        `404 bare ${last("bareMissing")} caught ${last("caughtMissing")} errata ${last("errataMissing")} req/s`
    )
  }
  const m = (s: Series) => median(measuredOnly(samples[s]))
  // `what` per request, in `unit`, `scale` times the measured value.
  const perRequest = (what: string, unit: string, of: Record<Series, Array<number>>, scale = 1) => {
    const c = (s: Series) => median(measuredOnly(of[s])) * scale
    return `server ${what} ${unit}/request (median): 200 bare ${c("bareOk").toFixed(1)}, bare+id ${c("bareWithIdOk").toFixed(1)}, ` +
      `errata ${c("errataOk").toFixed(1)} (bare/errata ${(c("bareOk") / c("errataOk")).toFixed(3)}); ` +
      `404 by hand ${c("bareMissing").toFixed(1)}, caught ${c("caughtMissing").toFixed(1)}, errata ${c("errataMissing").toFixed(1)}`
  }
  // Each round measures bare and errata back to back; the median of the per-round ratios compares
  // measurements taken under the same conditions, which is what noise on a shared box disturbs.
  const ratios = (a: Series, b: Series) =>
    measuredOnly(samples[a].map((x, round) => {
      const y = samples[b][round]
      return y === undefined ? undefined : x / y
    }))
  const paired = (a: Series, b: Series) => median(ratios(a, b))
  const okRatios = ratios("errataOk", "bareOk")
  const okRatio = median(okRatios)
  console.log("")
  console.log(
    `200  median req/s: bare ${format(m("bareOk"))}, bare+X-Request-ID ${format(m("bareWithIdOk"))}, errata ${
      format(m("errataOk"))
    }`
  )
  console.log(
    `404  median req/s: bare by hand ${format(m("bareMissing"))}, raised + caught by hand ${format(m("caughtMissing"))}, errata ${
      format(m("errataMissing"))
    }`
  )
  console.log(
    `ratio 200 errata / bare: ${okRatio.toFixed(3)} (median of per-round ratios; quartiles ${
      quantile(okRatios, 0.25).toFixed(3)
    }–${quantile(okRatios, 0.75).toFixed(3)}; ratio of medians ${(m("errataOk") / m("bareOk")).toFixed(3)}) ` +
      `(bar ≥ ${BAR}) ${okRatio >= BAR ? "PASS" : "FAIL"}`
  )
  console.log(
    `ratio 200 bare+X-Request-ID / bare: ${paired("bareWithIdOk", "bareOk").toFixed(3)}; ` +
      `errata / bare+X-Request-ID: ${paired("errataOk", "bareWithIdOk").toFixed(3)} (reported: the header's own share)`
  )
  console.log(`ratio 404 errata / raised + caught by hand: ${paired("errataMissing", "caughtMissing").toFixed(3)} (reported)`)
  console.log(`ratio 404 errata / written by hand, nothing raised: ${paired("errataMissing", "bareMissing").toFixed(3)} (reported)`)
  console.log(`ratio errata 404 / errata 200: ${paired("errataMissing", "errataOk").toFixed(3)} (reported)`)
  console.log(perRequest("busy", "µs", busy))
  console.log(perRequest("CPU", "µs", cpu))
  console.log(perRequest("allocated", "KB", allocated, 1 / 1024))
  console.log(`transport errors, timeouts and non-2xx on 200 routes: ${transportErrors}`)
})

// Always exits 0, so that `pnpm bench` goes on to the bundle size whatever the load gave.
runBounded("server-load", ROUNDS * plan.length * (SECONDS + WARMUP_SECONDS + 5) + 60, program, 0)
