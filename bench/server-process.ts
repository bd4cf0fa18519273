/**
 * The server processes of the load benchmarks (`server-load.ts`, `server-profile.ts`): the app of
 * `server-load-app.ts` bundled once, and one plain Node process per measurement that serves it on
 * 127.0.0.1, with its main thread pinned to a core of its own.
 */
import autocannon from "autocannon"
import { build } from "esbuild"
import { Effect, type Scope } from "effect"
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { rm } from "node:fs/promises"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { alias } from "../vitest.shared.js"
import type { AppName } from "./server-apps.js"
import type { Message } from "./server-load-app.js"

const appScript = fileURLToPath(new URL("./server-load-app.ts", import.meta.url))
// Inside node_modules, so that the bundle's imports of effect and the platform resolve from there.
const appBundle = fileURLToPath(new URL(`../node_modules/.cache/errata/server-load-app-${process.pid}.mjs`, import.meta.url))

// On a box of two cores or more, the server's main thread gets a core of its own and the load
// generator (this process's main thread) the other, so that neither takes the other's time, as
// when the load comes from another machine. Their helper threads (the garbage collector's, libuv's)
// are left free to run on either, as on a server. Without taskset both share the box as the
// scheduler decides; PIN=0 asks for that.
export const SERVER_CPU = "1"
export const LOAD_CPU = "0"

const pinThread = (pid: number, cpu: string) => {
  try {
    execFileSync("taskset", ["--cpu-list", "--pid", cpu, String(pid)], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** Whether main threads are pinned: this process's is, to LOAD_CPU, once this module loads. */
export const pinned = process.env["PIN"] !== "0" && availableParallelism() >= 2 && pinThread(process.pid, LOAD_CPU)

/**
 * The app bundled for the scope's life. The server runs as users ship one: bundled (errata from
 * its sources, as a bundler would take it) and run by plain Node, with effect and the platform
 * loaded from node_modules.
 */
export const bundleApp = Effect.acquireRelease(
  Effect.promise(() =>
    build({
      entryPoints: [appScript],
      outfile: appBundle,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      alias,
      external: ["effect", "@effect/*"],
      logLevel: "silent"
    })
  ),
  () => Effect.promise(() => rm(appBundle, { force: true }))
)

/** A running server process and the way to talk to it. */
export interface Server {
  readonly url: string
  readonly process: ChildProcess
  readonly request: <T extends Message["_tag"]>(message: Message, reply: T) => Promise<Reply<T>>
}

type Reply<T extends Message["_tag"]> = Extract<Message, { readonly _tag: T }>

// A process that has already exited emits "exit" no more: waiting for it would never end.
const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

// The next message of tag `reply` from `child`, after sending it `message` (if any).
const awaitMessage = <T extends Message["_tag"]>(child: ChildProcess, reply: T, message?: Message) =>
  new Promise<Reply<T>>((resolve, reject) => {
    const isReply = (received: Message): received is Reply<T> => received._tag === reply
    const onMessage = (received: Message) => {
      if (!isReply(received)) return
      child.off("message", onMessage)
      child.off("exit", onExit)
      resolve(received)
    }
    const onExit = () => reject(new Error(`server process exited with ${child.exitCode ?? child.signalCode}`))
    if (hasExited(child)) return onExit()
    child.on("message", onMessage)
    child.once("exit", onExit)
    if (message !== undefined) child.send(message)
  })

/** A fresh server process serving `name` for the scope's life (`bundleApp` must be built). */
export const start = (name: AppName) =>
  Effect.acquireRelease(
    Effect.promise(async (): Promise<Server> => {
      const child = spawn(process.execPath, ["--expose-gc", appBundle, name], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
      const ready = await awaitMessage(child, "ready")
      // Its helper threads exist by now and keep the whole box.
      if (pinned && child.pid !== undefined) pinThread(child.pid, SERVER_CPU)
      return {
        url: ready.url,
        process: child,
        request: (message, reply) => awaitMessage(child, reply, message)
      }
    }),
    // Gone before the next measurement starts.
    (server) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          if (hasExited(server.process)) return resolve()
          server.process.once("exit", () => resolve())
          server.process.kill()
        })
      )
  )

/**
 * One load of `seconds` on `path`, counted by the server from `start` to `stop` (with V8's CPU
 * profile when `profile` is set): autocannon's result and the server's own report.
 */
export const loadOnce = async (
  server: Server,
  options: { readonly path: string; readonly seconds: number; readonly connections: number; readonly profile?: boolean }
) => {
  await server.request({ _tag: "start", profile: options.profile === true }, "started")
  const result = await autocannon({
    url: server.url + options.path,
    connections: options.connections,
    duration: options.seconds,
    timeout: 5
  })
  const stopped = await server.request({ _tag: "stop" }, "stopped")
  return { result, stopped }
}

/**
 * Runs a benchmark's program, bounded by a watchdog whatever happens to a measurement, and exits
 * with `exitOnError` should it fail.
 */
export const runBounded = <E>(
  name: string,
  boundSeconds: number,
  program: Effect.Effect<void, E, Scope.Scope>,
  exitOnError: number
) => {
  const watchdog = setTimeout(() => {
    console.log(`${name}: watchdog fired; stopping`)
    process.exit(0)
  }, boundSeconds * 1000)
  Effect.runPromise(Effect.scoped(program)).then(
    () => {
      clearTimeout(watchdog)
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(exitOnError)
    }
  )
}
