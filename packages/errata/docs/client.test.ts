/**
 * The client sample of this package's README, run against a real server on 127.0.0.1.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Client from "./examples/client-program.js"

const notFound = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<ReturnType<typeof createServer>>((resolve) => {
      const server = createServer((_request, response) => {
        response.writeHead(404, { "content-type": "application/json", "x-request-id": "req_sample" })
        response.end('{"error":{"code":"NOT_FOUND","message":"Contact not found"}}')
      })
      server.listen(0, "127.0.0.1", () => resolve(server))
    })
  ),
  (server) => Effect.sync(() => server.close())
)

describe("errata/client README sample", () => {
  it.effect("a 404 is caught as NotFound, with the server's request ID", () =>
    Effect.gen(function*() {
      const server = yield* notFound
      // Boundary: a TCP server listening on a port always has an AddressInfo address.
      const { port } = server.address() as AddressInfo
      const outcome = yield* Effect.provide(Client.program, Client.ApiLive(`http://127.0.0.1:${port}`))
      expect(outcome).toBe("gone (request req_sample)")
    }))
})
