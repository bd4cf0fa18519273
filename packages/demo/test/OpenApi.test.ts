/**
 * The served OpenAPI document, judged by tools errata did not write: it is valid OpenAPI 3.1
 * (`@seriousme/openapi-schema-validator`), lints clean with Redocly's recommended rules and
 * Spectral's `spectral:oas`, and the responses of real requests validate against it (Ajv and
 * `openapi-response-validator`). The
 * CLIs run once each, from node_modules/.bin, offline, with a time bound.
 */
import { OpenApi } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Predicate } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Api } from "../src/Api.js"
import type { ApiKeys } from "@errata/reference"
import { serve } from "./editions.js"
import { checker } from "./openapi.js"
import { type Recorded, runServer } from "./support.js"

const bin = (name: string) => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url))

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

// A CLI's outcome, whatever its exit code (a linter exits 1 when it finds errors).
const run = (name: string, args: ReadonlyArray<string>, cwd: string) =>
  Effect.async<Ran>((resume) => {
    const child = execFile(bin(name), [...args], {
      cwd,
      timeout: 60_000,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" }
    }, (error, stdout, stderr) => resume(Effect.succeed({ code: error === null ? 0 : child.exitCode, stdout, stderr })))
  })

const missingId = "550e8400-e29b-41d4-a716-446655440000"

// Requests a reader of the document would make: each operation's success, and the errors the
// middleware answers on it (bad IDs on PATCH included, the case that first found the gap). Each
// answer is recorded as the client got it, so a server in another process is judged alike.
const probe = (target: Target) =>
  Effect.promise(async () => {
    const recorded: Array<Recorded> = []
    const admin = { authorization: `Bearer ${target.keys.admin.key}` }
    const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
      const response = await fetch(`${target.baseUrl}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const text = await response.text()
      const received: Record<string, string> = {}
      response.headers.forEach((value, name) => void (received[name] = value))
      recorded.push({ method, url: path, status: response.status, headers: received, body: text })
      return { status: response.status, json: text === "" ? undefined : JSON.parse(text) }
    }
    const bodies = {
      contacts: { create: { name: "Ada", email: "ada@example.com" }, update: { name: "Ada L." } },
      businesses: { create: { name: "Acme", website: "https://acme.example" }, update: { name: "Acme Ltd" } },
      messages: { create: { contactId: missingId, channel: "sms", body: "Hello" }, update: { body: "Hello again" } }
    }
    for (const [name, body] of Object.entries(bodies)) {
      const created = await send("POST", `/${name}`, body.create)
      const data: unknown = Predicate.hasProperty(created.json, "data") ? created.json.data : undefined
      const id: unknown = Predicate.hasProperty(data, "id") ? data.id : undefined
      for (
        const [method, path, payload] of [
          ["GET", `/${name}/${String(id)}`, undefined],
          ["GET", `/${name}?limit=2&offset=0`, undefined],
          ["GET", `/${name}?limit=0`, undefined],
          ["PATCH", `/${name}/${String(id)}`, body.update],
          ["PATCH", `/${name}/not-a-uuid`, body.update],
          ["PATCH", `/${name}/${String(id)}`, { name: 42 }],
          ["POST", `/${name}`, { wrong: true }],
          ["DELETE", `/${name}/${String(id)}`, undefined],
          ["DELETE", `/${name}/${String(id)}`, undefined],
          ["DELETE", `/${name}/x`, undefined]
        ] as const
      ) await send(method, path, payload)
    }
    await send("GET", "/contacts/search?q=ada")
    await send("GET", "/contacts/search")
    await send("GET", "/contacts", undefined, {})
    await send("POST", "/contacts", bodies.contacts.create, { authorization: `Bearer ${target.keys.readOnly.key}` })
    return recorded
  })

const field = (value: unknown, key: string): unknown => (Predicate.isRecord(value) ? value[key] : undefined)
const list = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])
const entries = (value: unknown): ReadonlyArray<readonly [string, unknown]> => (Predicate.isRecord(value) ? Object.entries(value) : [])

// What a reader of a document relies on, whichever Effect wrote it: each operation's parameters,
// its body's fields, its statuses with their headers, and each error response whole.
const outline = (document: unknown) => ({
  info: entries(field(document, "info")).filter(([key]) => key !== "contact"),
  servers: field(document, "servers"),
  tags: field(document, "tags"),
  headers: field(field(document, "components"), "headers"),
  operations: entries(field(document, "paths")).flatMap(([path, item]) =>
    entries(item).map(([method, operation]) => ({
      operation: `${method.toUpperCase()} ${path}`,
      summary: field(operation, "summary"),
      security: field(operation, "security"),
      parameters: list(field(operation, "parameters")).map((p) =>
        `${String(field(p, "in"))} ${String(field(p, "name"))}${field(p, "required") === true ? " (required)" : ""}`
      ),
      body: Object.keys(Object(field(field(field(field(field(operation, "requestBody"), "content"), "application/json"), "schema"), "properties"))),
      responses: entries(field(operation, "responses")).map(([status, response]) =>
        status.startsWith("2") ? { status, headers: Object.keys(Object(field(response, "headers"))) } : { status, response }
      )
    }))
  )
})

/** A reference server to judge: where it listens and its keys. */
interface Target {
  readonly baseUrl: string
  readonly keys: ApiKeys.DemoKeys
}

// The document `target` serves, judged by the validator and both linters, and the answers to the
// probes judged against it; the answers, for more checks.
const judge = (target: Target) =>
  Effect.gen(function*() {
    const document = yield* Effect.promise(() => fetch(`${target.baseUrl}/openapi.json`).then((r) => r.text()))
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "errata-openapi-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    writeFileSync(join(dir, "openapi.json"), document)
    writeFileSync(join(dir, ".spectral.yaml"), "extends: [\"spectral:oas\"]\n")

    const [schema, redocly, spectral] = yield* Effect.all([
      run("validate-api", ["openapi.json"], dir),
      run("redocly", ["lint", "--extends=recommended", "--format=json", "openapi.json"], dir),
      run("spectral", ["lint", "-r", ".spectral.yaml", "-f", "json", "-o", "spectral.json", "openapi.json"], dir)
    ], { concurrency: "unbounded" })

    expect(JSON.parse(schema.stdout), schema.stderr).toMatchObject({ valid: true })
    const redoclyReport: { readonly totals: unknown; readonly problems: ReadonlyArray<unknown> } = JSON.parse(redocly.stdout)
    expect(redoclyReport.problems).toStrictEqual([])
    expect(redoclyReport.totals).toMatchObject({ errors: 0, warnings: 0 })
    expect(JSON.parse(readFileSync(join(dir, "spectral.json"), "utf8")), spectral.stderr).toStrictEqual([])
    expect(spectral.code).toBe(0)

    const answers = yield* probe(target)
    // The probes reached every kind of answer they were written for.
    expect(new Set(answers.map((answer) => answer.status))).toStrictEqual(new Set([200, 201, 204, 400, 401, 403, 404]))
    const report = checker(JSON.parse(document))(answers)
    expect(report.mismatches).toStrictEqual([])
    expect(report.checked).toBe(answers.length)
    return { document, answers }
  })

describe("the served OpenAPI document, by tools errata did not write", () => {
  it.live("is valid 3.1, lints with 0 errors and 0 warnings, and every response validates against it", () =>
    Effect.gen(function*() {
      const { running } = yield* runServer
      const { answers } = yield* judge(running)
      // The server saw what the client did: the probes and the document's fetch.
      expect(running.responses.filter((r) => r.url !== "/openapi.json")).toHaveLength(answers.length)

      // The platform's document alone (without errata's transform) fails the same responses: a
      // PATCH with a bad ID answers a 400 code it does not list. So the check can fail.
      const plain = OpenApi.fromApi(Api.annotate(OpenApi.Transform, (spec) => spec))
      const against = checker(plain)(answers)
      expect(against.mismatches.map((m) => m.response)).toContain("PATCH /contacts/not-a-uuid → 400")
    }).pipe(Effect.scoped), 120_000)

  it.live("the Effect 4 edition's server: the same validator and linters, the same answers, the same operations, statuses and error responses", () =>
    Effect.gen(function*() {
      const [{ running }, effect4] = yield* Effect.all([runServer, serve("effect4")], { concurrency: "unbounded" })
      const four = yield* judge(effect4)
      // This edition's document and answers, judged by the test above, to hold the other to.
      const three = {
        document: yield* Effect.promise(() => fetch(`${running.baseUrl}/openapi.json`).then((r) => r.text())),
        answers: yield* probe(running)
      }
      // Both editions describe the reference API alike: the same operations, parameters and
      // statuses, every error response the same to the letter, the same response headers. (The
      // schemas of bodies are each Effect's own JSON Schema of the same types, worded apart.)
      expect(outline(JSON.parse(four.document))).toStrictEqual(outline(JSON.parse(three.document)))
      const summary = (answers: ReadonlyArray<Recorded>) =>
        answers.map((a) => `${a.method} ${a.url.replace(/[0-9a-f-]{36}/g, ":id")} → ${a.status} ${/"code":"([A-Z_]+)"/.exec(a.body ?? "")?.[1] ?? ""}`)
      expect(summary(four.answers)).toStrictEqual(summary(three.answers))
    }).pipe(Effect.scoped), 180_000)

  it("a response whose status or code the document does not list is a mismatch", () => {
    const check = checker(OpenApi.fromApi(Api))
    const response = (status: number, code: string, headers: Record<string, string> = { "x-request-id": "r-1" }): Recorded => ({
      method: "PATCH",
      url: `/contacts/${missingId}`,
      status,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ error: { code, message: "x" } })
    })
    expect(check([response(404, "NOT_FOUND")]).mismatches).toStrictEqual([])
    // Both validators see it: Ajv, and openapi-response-validator.
    const wrongCode = check([response(400, "INVALID_MESSAGE_ID")]).mismatches.map((m) => m.problem)
    expect(wrongCode).toHaveLength(2)
    expect(wrongCode[1]).toMatch(/^openapi-response-validator: /)
    expect(check([response(409, "CONFLICT")]).mismatches).toHaveLength(1)
    expect(check([response(404, "NOT_FOUND", {})]).mismatches).toMatchObject([{ problem: "header X-Request-ID is required and missing" }])
  })
})
