/**
 * Both editions' reference servers and tours as processes, each from its built `dist`: the Effect 3
 * one on this Node, the Effect 4 one on Node 22 (`npx -y node@22`, as its suite runs). So a test
 * can point either edition's client at either edition's server over loopback.
 */
import type { ApiKeys, TourScript } from "@errata/reference"
import { Effect } from "effect"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

/** An edition of errata, by the Effect it runs on. */
export type Edition = "effect3" | "effect4"

/** Both, in the order the tests report them. */
export const editions: ReadonlyArray<Edition> = ["effect3", "effect4"]

/** A running reference server: where it listens and the demo keys it issued. */
export interface Served {
  readonly edition: Edition
  readonly baseUrl: string
  readonly keys: ApiKeys.DemoKeys
}

const entry = (edition: Edition, script: "serve" | "tourAgainst") =>
  fileURLToPath(new URL(`../../${edition === "effect3" ? "demo" : "demo-effect4"}/dist/${script}.js`, import.meta.url))

const run = (file: string, args: ReadonlyArray<string>, timeout: number) =>
  Effect.async<{ readonly stdout: string; readonly stderr: string; readonly failed: boolean }>((resume) => {
    execFile(file, [...args], { timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resume(Effect.succeed({ stdout, stderr, failed: error !== null })))
  })

let node22: Promise<string> | undefined

// The Node 22 binary `npx -y node@22` fetches, resolved once: spawning it directly keeps npx's
// start-up out of every process and lets the test signal the server itself.
const nodeFor = (edition: Edition): Effect.Effect<string> =>
  edition === "effect3"
    ? Effect.succeed(process.execPath)
    : Effect.promise(() =>
      node22 ??= new Promise((resolve) =>
        execFile("npx", ["-y", "node@22", "-e", "process.stdout.write(process.execPath)"], { timeout: 120_000 }, (_, stdout) =>
          resolve(stdout.trim()))
      )
    )

const stop = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGTERM")
  })

// The server's `--json` line, or a defect saying why there is none (it exited, or took too long).
const started = (edition: Edition, child: ChildProcess) =>
  Effect.async<Served>((resume) => {
    let out = ""
    let err = ""
    const timer = setTimeout(() => resume(Effect.dieMessage(`${edition} server printed nothing in 60 s: ${err}`)), 60_000)
    child.stderr?.on("data", (chunk: Buffer) => void (err += chunk.toString()))
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const end = out.indexOf("\n")
      if (end < 0) return
      clearTimeout(timer)
      // Boundary: the line is the server's own `JSON.stringify({ baseUrl, keys })`.
      const line: { readonly baseUrl: string; readonly keys: ApiKeys.DemoKeys } = JSON.parse(out.slice(0, end))
      resume(Effect.succeed({ edition, ...line }))
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      resume(Effect.dieMessage(`${edition} server exited (${code}) before it listened: ${err}`))
    })
  })

/** A fresh reference server of `edition`, with its own state, stopped when the scope closes. */
export const serve = (edition: Edition) =>
  Effect.flatMap(nodeFor(edition), (node) =>
    Effect.acquireRelease(
      Effect.sync(() => spawn(node, [entry(edition, "serve"), "--json"], { stdio: ["ignore", "pipe", "pipe"] })),
      stop
    ).pipe(Effect.flatMap((child) => started(edition, child))))

/** The rows of `edition`'s tour against `server`, run as its own process. */
export const tour = (edition: Edition, server: Served) =>
  Effect.flatMap(nodeFor(edition), (node) =>
    run(node, [entry(edition, "tourAgainst"), server.baseUrl, JSON.stringify(server.keys)], 120_000)).pipe(
      Effect.flatMap(({ failed, stderr, stdout }) => {
        if (failed) return Effect.dieMessage(`the ${edition} tour against the ${server.edition} server failed: ${stderr}`)
        // Boundary: the tour prints its rows with `JSON.stringify`.
        const rows: ReadonlyArray<TourScript.Row> = JSON.parse(stdout)
        return Effect.succeed(rows)
      })
    )
