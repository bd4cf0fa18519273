/**
 * Loopback load on the apps of `server-apps.ts`, of either edition: `npx vite-node --config
 * vitest.bench.config.ts bench/server-load.ts` (part of `pnpm bench`) loads the Effect 3 apps of
 * this folder; with `EDITION=effect4` (`scripts/bench-effect4.sh`) it loads the Effect 4 apps of
 * `packages/errata/bench/`, served by Node 22, and this driver stays on the root's Node, esbuild
 * and autocannon: it loads sockets, and the editions differ only in the processes it starts.
 *
 * Bars (DESIGN.md "Bars"): errata against the hand-written Effect-native middleware that keeps the
 * same promises, on 200s and on raised 404s, and a raised catalog error against errata's own 200s.
 * errata against the bare router, which keeps none of the promises, is reported without a bar.
 *
 * Each round starts a fresh server process per series (`server-app.ts`), bundled with esbuild and
 * run by plain Node as a server is shipped, so that no two series share a heap or the JIT's type
 * feedback. Each is warmed up alone and its warm-up's garbage collected; then autocannon, in this
 * process, loads them in turn a second at a time, in an order that flips every time, so that the
 * bursts of other work on a shared box fall on every series alike. Ratios are taken within a
 * round, and their median and quartiles over the rounds printed. Everything runs on 127.0.0.1,
 * each load is bounded in time and the whole run by a watchdog; the script always exits 0, so
 * that `pnpm bench` goes on whatever the load gave. Environment (defaults below): EDITION
 * (`effect3` or `effect4`), ROUNDS, SECONDS of load per series and round, WARMUP_SECONDS,
 * CONNECTIONS.
 */
import autocannon from "autocannon"
import { build, type Plugin } from "esbuild"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { rm } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import type { AppName as Effect4AppName } from "../packages/errata/bench/server-apps.js"
import { alias } from "../vitest.shared.js"
import type { AppName as Effect3AppName } from "./server-apps.js"

// The apps the plan names exist in both editions, or the plan does not compile.
type AppName = Effect3AppName & Effect4AppName

const ROUNDS = Number(process.env["ROUNDS"] ?? 8)
const SECONDS = Number(process.env["SECONDS"] ?? 3)
const WARMUP_SECONDS = Number(process.env["WARMUP_SECONDS"] ?? 1)
const CONNECTIONS = Number(process.env["CONNECTIONS"] ?? 10)

const OK = "/contacts/1"
const MISSING = "/missing/1"

type Series = "native 200" | "errata 200" | "bare 200" | "native 404" | "errata 404"

// The series of a round: a name, the app that serves it, the path; in the order they are loaded,
// which puts the two series of each bar next to each other.
const plan: ReadonlyArray<{ readonly series: Series; readonly app: AppName; readonly path: string }> = [
  { series: "bare 200", app: "bare", path: OK },
  { series: "native 200", app: "native", path: OK },
  { series: "errata 200", app: "errata", path: OK },
  { series: "errata 404", app: "errata", path: MISSING },
  { series: "native 404", app: "native", path: MISSING }
]

// The ratios compared, each of two series of the same round, with its bar if it has one.
const ratios: ReadonlyArray<readonly [string, Series, Series, number | undefined]> = [
  ["errata / native, 200", "errata 200", "native 200", 1],
  ["errata / native, raised 404", "errata 404", "native 404", 1],
  ["errata / bare, 200", "errata 200", "bare 200", undefined],
  ["errata 404 / errata 200", "errata 404", "errata 200", 0.9]
]

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// `errata` and `errata/<module>` from the Effect 4 package's sources, as its vitest config maps them.
const effect4Sources: Plugin = {
  name: "errata-effect4-sources",
  setup: (build) => {
    build.onResolve({ filter: /^errata(?:\/.*)?$/ }, ({ path }) => {
      const module = path.slice("errata/".length)
      const file = path === "errata" ? "index" : ["client", "server", "api"].includes(module) ? `${module}/index` : module
      return { path: here(`../packages/errata/src/${file}.ts`) }
    })
  }
}

// What differs between the editions: the app bundled, where its effect and platform resolve at run
// time (the bundle goes into that package's node_modules), the sources it is built from, and the
// Node that runs it, found once.
const editions = {
  effect3: {
    entry: here("./server-app.ts"),
    modules: here("../node_modules"),
    target: "node20",
    alias,
    plugins: [],
    node: () => process.execPath
  },
  effect4: {
    entry: here("../packages/errata/bench/server-app.ts"),
    modules: here("../packages/errata/node_modules"),
    target: "node22",
    // Only the dialect's sources are shared; the Effect 3 packages must not leak into this bundle.
    alias: Object.fromEntries(Object.entries(alias).filter(([name]) => name.startsWith("@errata/dialect"))),
    plugins: [effect4Sources],
    node: () => execFileSync("npx", ["-y", "node@22", "-e", "console.log(process.execPath)"], { encoding: "utf8" }).trim()
  }
} satisfies Record<string, {
  readonly entry: string
  readonly modules: string
  readonly target: string
  readonly alias: Record<string, string>
  readonly plugins: Array<Plugin>
  readonly node: () => string
}>

const isEditionName = (name: string): name is keyof typeof editions => Object.hasOwn(editions, name)
const editionName = process.env["EDITION"] ?? "effect3"
const edition = isEditionName(editionName) ? editions[editionName] : undefined
if (edition === undefined) {
  console.log(`server-load: unknown EDITION ${editionName}; one of ${Object.keys(editions).join(", ")}`)
  process.exit(0)
}

// Inside node_modules, so that the bundle's imports of effect and the platform resolve from there.
const bundle = `${edition.modules}/.cache/errata/server-app-${process.pid}.mjs`
// Set once the edition's Node is found, before any server starts.
let serverNode = process.execPath

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

// The next message of `child`, after sending it `message` if any: its URL, if it says.
const ask = (child: ChildProcess, message?: string) =>
  new Promise<string>((resolve, reject) => {
    const onExit = () => reject(new Error(`server process exited with ${child.exitCode ?? child.signalCode}`))
    if (hasExited(child)) return onExit()
    child.once("exit", onExit)
    child.once("message", (reply) => {
      child.off("exit", onExit)
      resolve(typeof reply === "object" && reply !== null && "url" in reply ? String(reply.url) : "")
    })
    if (message !== undefined) child.send(message)
  })

// `f` with a fresh server process for each of `uses`, all gone before anything else is measured, so
// that their last collections take no one's time.
const withServers = async <U extends { readonly app: AppName }, A>(
  uses: ReadonlyArray<U>,
  f: (servers: ReadonlyArray<U & { readonly child: ChildProcess; readonly url: string }>) => Promise<A>
) => {
  const children: Array<ChildProcess> = []
  try {
    const servers = await Promise.all(uses.map(async (use) => {
      const child = spawn(serverNode, ["--expose-gc", bundle, use.app], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
      children.push(child)
      return { ...use, child, url: await ask(child) }
    }))
    return await f(servers)
  } finally {
    await Promise.all(children.map((child) =>
      hasExited(child) ? undefined : new Promise((resolve) => child.once("exit", resolve).kill())
    ))
  }
}

const load = (server: { readonly url: string; readonly path: string }, duration: number) =>
  autocannon({ url: server.url + server.path, connections: CONNECTIONS, duration, timeout: 5 })

// Transport errors, timeouts and statuses other than the route's, over the whole run.
let unexpected = 0

// The requests/s of each series in one round.
const measureRound = (round: number) =>
  withServers(plan.map((use) => ({ ...use, requests: 0, seconds: 0 })), async (servers) => {
    for (const server of servers) await load(server, WARMUP_SECONDS)
    for (const server of servers) await ask(server.child, "collect")
    // Slices of a second, autocannon's shortest load.
    for (let slice = 0; slice < SECONDS; slice++) {
      for (const server of (slice + round) % 2 === 0 ? servers : [...servers].reverse()) {
        const result = await load(server, 1)
        server.seconds += result.duration
        server.requests += result.requests.total
        unexpected += result.errors + result.timeouts + (server.path === OK ? result.non2xx : result["2xx"])
      }
    }
    return new Map(servers.map(({ requests, seconds, series }) => [series, requests / seconds]))
  })

// What the apps answer on both routes, to a safe request ID and to one they must replace.
const probe = () =>
  withServers([{ app: "native" }, { app: "errata" }, { app: "bare" }], (servers) =>
    Promise.all(servers.map(async ({ url }) => {
      const answers = []
      for (const path of [OK, MISSING]) {
        for (const sent of ["bench.1:a-b", "not safe"]) {
          const response = await fetch(url + path, { headers: { "x-request-id": sent } })
          const id = response.headers.get("x-request-id")
          answers.push(`${response.status} ${id === null ? "no ID" : id === sent ? "echoed" : "made"} ${await response.text()}`)
        }
      }
      return answers.join(" | ")
    })))

const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const low = sorted[Math.floor(at)] ?? 0
  return low + ((sorted[Math.ceil(at)] ?? low) - low) * (at - Math.floor(at))
}

const main = async () => {
  const serverNodeVersion = execFileSync(serverNode, ["--version"], { encoding: "utf8" }).trim()
  console.log(
    `server-load (${editionName}, servers on Node ${serverNodeVersion}): ${ROUNDS} rounds × ${SECONDS}s of load per ` +
      `series in slices of 1s, after ${WARMUP_SECONDS}s of warm-up, ${CONNECTIONS} connections, 127.0.0.1, a fresh ` +
      `server process per series and round`
  )
  const [native = "", errata = "", bare = ""] = await probe()
  if (
    native !== errata || !/^200 echoed .* \| 200 made .* \| 404 echoed .* \| 404 made /.test(errata) ||
    bare !== errata.replace(/ (echoed|made) /g, " no ID ")
  ) {
    console.log(`setup check failed: the apps do not answer alike\n${native}\n${errata}\n${bare}`)
    return
  }
  const rounds: Array<ReadonlyMap<Series, number>> = []
  // A series missing from a round would be a bug; NaN shows it in every figure it touches.
  const rps = (round: ReadonlyMap<Series, number>, series: Series) => round.get(series) ?? NaN
  for (let i = 0; i < ROUNDS; i++) {
    const round = await measureRound(i)
    rounds.push(round)
    console.log(
      `  round ${i + 1}: ${plan.map(({ series }) => `${series} ${Math.round(rps(round, series))}`).join(", ")} req/s | ` +
        ratios.map(([name, a, b]) => `${name} ${(rps(round, a) / rps(round, b)).toFixed(3)}`).join(", ")
    )
  }
  console.log("")
  const medians = plan.map(({ series }) => `${series} ${Math.round(quantile(rounds.map((r) => rps(r, series)), 0.5))}`)
  console.log(`median req/s: ${medians.join(", ")}`)
  for (const [name, a, b, bar] of ratios) {
    const [low, median, high] = [0.25, 0.5, 0.75].map((q) => quantile(rounds.map((r) => rps(r, a) / rps(r, b)), q))
    const verdict = bar === undefined ? "(reported)" : `(bar ≥ ${bar}) ${(median ?? NaN) >= bar ? "PASS" : "FAIL"}`
    console.log(`${name}: ${median?.toFixed(3)} (quartiles ${low?.toFixed(3)}–${high?.toFixed(3)}) ${verdict}`)
  }
  console.log(`transport errors, timeouts and unexpected statuses: ${unexpected}`)
}

const watchdog = setTimeout(() => {
  console.log("server-load: watchdog fired; stopping")
  process.exit(0)
}, (ROUNDS * plan.length * (2 * SECONDS + WARMUP_SECONDS + 10) + 60) * 1000)

// As users ship a server: errata from its sources, effect and the platform from node_modules.
const run = async () => {
  serverNode = edition.node()
  await build({
    entryPoints: [edition.entry], outfile: bundle, bundle: true, format: "esm", platform: "node", target: edition.target,
    alias: edition.alias, plugins: edition.plugins, external: ["effect", "@effect/*"], logLevel: "silent"
  })
  await main()
}

run()
  .catch((error: unknown) => console.error("server-load failed:", error))
  .finally(async () => {
    clearTimeout(watchdog)
    await rm(bundle, { force: true })
    process.exit(0)
  })
