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
 * Rounds alternate the order of the servers and medians are compared, since load on a small box
 * is noisy; the script prints PASS/FAIL and always exits 0. Everything runs on 127.0.0.1; each
 * measurement is bounded in time (SECONDS) and the whole run by a watchdog.
 *
 * Besides requests/s, the main thread's busy time per request is reported (event-loop utilisation;
 * the load runs in a worker thread): it is the server's own cost, and less sensitive to other load
 * on the box than throughput.
 *
 * Environment: ROUNDS (default 7), SECONDS per measurement (default 2), CONNECTIONS (default 10).
 */
import type { HttpApp } from "@effect/platform"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { ApiError } from "@errata/core"
import { ServerErrors } from "@errata/server"
import autocannon from "autocannon"
import { Effect, Layer, Scope } from "effect"
import { createServer } from "node:http"
import { performance } from "node:perf_hooks"

const ROUNDS = Number(process.env["ROUNDS"] ?? 7)
const SECONDS = Number(process.env["SECONDS"] ?? 2)
const CONNECTIONS = Number(process.env["CONNECTIONS"] ?? 10)
const BAR = 0.95

const contact = { data: { id: "550e8400-e29b-41d4-a716-446655440000", name: "Ada Lovelace" }, meta: {} }
const notFoundBody = { error: { code: "NOT_FOUND", message: "Contact not found" } }
const raise = Effect.suspend(() => Effect.fail(new ApiError.NotFound({ message: "Contact not found" })))

const routes = <E>(missing: Effect.Effect<HttpServerResponse.HttpServerResponse, E>) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/contacts/:id", HttpServerResponse.json(contact)),
    HttpRouter.get("/missing/:id", missing)
  )

const servers = {
  // What a server without errata does: the 404 written by hand, nothing raised.
  bare: routes(Effect.sync(() => HttpServerResponse.unsafeJson(notFoundBody, { status: 404 }))),
  // The bare router plus only the X-Request-ID header SPEC.md §4 asks of every response: what
  // any server following the contract pays, errata or not.
  bareWithId: routes(Effect.sync(() => HttpServerResponse.unsafeJson(notFoundBody, { status: 404 }))).pipe(
    Effect.map((response) => HttpServerResponse.setHeader(response, "x-request-id", globalThis.crypto.randomUUID()))
  ),
  // The same error raised, and written by a hand-made catch-all: errata's job without errata.
  caught: routes(raise).pipe(
    Effect.catchAllCause(() =>
      Effect.sync(() => HttpServerResponse.unsafeJson(notFoundBody, { status: 404, headers: { "x-request-id": "fixed" } }))
    )
  ),
  errata: routes(raise).pipe(ServerErrors.middleware)
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

const load = (url: string, seconds: number) =>
  Effect.promise(async () => {
    // A worker thread generates the load, so the main thread's busy time is the servers' own.
    const before = performance.eventLoopUtilization()
    const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, timeout: 5, workers: 1 })
    const busy = performance.eventLoopUtilization(before)
    return {
      rps: result.requests.average,
      cpuMicros: result.requests.total > 0 ? (busy.active * 1000) / result.requests.total : 0,
      errors: result.errors + result.timeouts + result.non2xx
    }
  })

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

const format = (n: number) => Math.round(n).toLocaleString("en-US")

type Series = "bareOk" | "bareWithIdOk" | "errataOk" | "bareMissing" | "caughtMissing" | "errataMissing"

const program = Effect.gen(function*() {
  const urls = {
    bare: yield* listen(servers.bare),
    bareWithId: yield* listen(servers.bareWithId),
    caught: yield* listen(servers.caught),
    errata: yield* listen(servers.errata)
  }
  const probe = yield* Effect.promise(() =>
    Promise.all([
      fetch(`${urls.errata}/contacts/1`).then((r) => r.status),
      fetch(`${urls.errata}/missing/1`).then((r) => r.text()),
      fetch(`${urls.bare}/missing/1`).then((r) => r.text())
    ])
  )
  if (probe[0] !== 200 || probe[1] !== probe[2]) {
    console.log("setup check failed: the servers do not answer alike", probe)
    return
  }
  const measurements: ReadonlyArray<readonly [Series, string]> = [
    ["bareOk", `${urls.bare}/contacts/1`],
    ["errataOk", `${urls.errata}/contacts/1`],
    ["bareWithIdOk", `${urls.bareWithId}/contacts/1`],
    ["bareMissing", `${urls.bare}/missing/1`],
    ["caughtMissing", `${urls.caught}/missing/1`],
    ["errataMissing", `${urls.errata}/missing/1`]
  ]
  console.log(`server-load: ${ROUNDS} rounds × ${measurements.length} × ${SECONDS}s, ${CONNECTIONS} connections, 127.0.0.1`)
  for (const [, url] of measurements) yield* load(url, 1) // warm-up: JIT and sockets
  const perSeries = (): Record<Series, Array<number>> => ({
    bareOk: [],
    bareWithIdOk: [],
    errataOk: [],
    bareMissing: [],
    caughtMissing: [],
    errataMissing: []
  })
  const samples = perSeries()
  const cpu = perSeries()
  let transportErrors = 0
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so that drift (thermal, other load on the box) favours no side.
    const order = round % 2 === 0 ? measurements : [...measurements].reverse()
    for (const [series, url] of order) {
      const { cpuMicros, errors, rps } = yield* load(url, SECONDS)
      samples[series].push(rps)
      cpu[series].push(cpuMicros)
      if (!series.endsWith("Missing")) transportErrors += errors
    }
    const last = (s: Series) => format(samples[s][round] ?? 0)
    console.log(
      `  round ${round + 1}: 200 bare ${last("bareOk")} errata ${last("errataOk")} bare+id ${last("bareWithIdOk")} | ` +
        `404 bare ${last("bareMissing")} caught ${last("caughtMissing")} errata ${last("errataMissing")} req/s`
    )
  }
  const m = (s: Series) => median(samples[s])
  const c = (s: Series) => median(cpu[s])
  // Each round measures bare and errata back to back; the median of the per-round ratios compares
  // measurements taken under the same conditions, which is what noise on a shared box disturbs.
  const paired = (a: Series, b: Series) => median(samples[a].map((x, i) => x / (samples[b][i] ?? x)))
  const okRatio = paired("errataOk", "bareOk")
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
    `ratio 200 errata / bare: ${okRatio.toFixed(3)} (median of per-round ratios; ratio of medians ${
      (m("errataOk") / m("bareOk")).toFixed(3)
    }) (bar ≥ ${BAR}) ${okRatio >= BAR ? "PASS" : "FAIL"}`
  )
  console.log(
    `ratio 200 bare+X-Request-ID / bare: ${paired("bareWithIdOk", "bareOk").toFixed(3)}; ` +
      `errata / bare+X-Request-ID: ${paired("errataOk", "bareWithIdOk").toFixed(3)} (reported: the header's own share)`
  )
  console.log(`ratio 404 errata / raised + caught by hand: ${paired("errataMissing", "caughtMissing").toFixed(3)} (reported)`)
  console.log(`ratio 404 errata / written by hand, nothing raised: ${paired("errataMissing", "bareMissing").toFixed(3)} (reported)`)
  console.log(`ratio errata 404 / errata 200: ${paired("errataMissing", "errataOk").toFixed(3)} (reported)`)
  console.log(
    `server busy µs/request (median): 200 bare ${c("bareOk").toFixed(1)}, bare+id ${c("bareWithIdOk").toFixed(1)}, ` +
      `errata ${c("errataOk").toFixed(1)} ` +
      `(bare/errata ${(c("bareOk") / c("errataOk")).toFixed(3)}); 404 by hand ${c("bareMissing").toFixed(1)}, ` +
      `caught ${c("caughtMissing").toFixed(1)}, errata ${c("errataMissing").toFixed(1)}`
  )
  console.log(`transport errors, timeouts and non-2xx on 200 routes: ${transportErrors}`)
})

// A watchdog bounds the whole run whatever happens to a measurement.
const watchdog = setTimeout(() => {
  console.log("server-load: watchdog fired; stopping")
  process.exit(0)
}, (ROUNDS * 6 * SECONDS + 60) * 1000)

Effect.runPromise(Effect.scoped(program)).then(
  () => {
    clearTimeout(watchdog)
    process.exit(0)
  },
  (error: unknown) => {
    console.error(error)
    process.exit(0)
  }
)
