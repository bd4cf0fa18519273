/**
 * Checks recorded responses against an OpenAPI document with two validators errata did not write
 * (Ajv, JSON Schema 2020-12, the dialect of OpenAPI 3.1, and `openapi-response-validator` on the
 * bodies): the operation of each response is found
 * by method and path template, its status must be listed, its body must match the listed schema
 * and its required headers must be there and match theirs.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import ResponseValidator from "openapi-response-validator"
import { expect } from "@effect/vitest"
import { Effect, Predicate } from "effect"
import type { Recorded } from "./support.js"

/** Why a response does not match the document. */
export interface Mismatch {
  readonly response: string
  readonly problem: string
}

export interface Report {
  /** Responses of documented operations, all checked. */
  readonly checked: number
  /** Responses of routes the document leaves out on purpose (`/openapi.json`, `/docs`, `/_admin`, no route). */
  readonly undocumented: ReadonlyArray<string>
  readonly mismatches: ReadonlyArray<Mismatch>
}

type Json = Readonly<Record<string, unknown>>

const record = (u: unknown): Json => (Predicate.isRecord(u) ? u : {})

const methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

interface Operation {
  readonly template: string
  readonly method: string
  readonly pattern: RegExp
  readonly params: number
  readonly responses: Json
}

// A CommonJS package with `exports.default`: Node's import gives `module.exports`, Vite's
// interop (the test runner's) the class itself.
const Validator: typeof ResponseValidator.default = typeof ResponseValidator === "function" ? ResponseValidator : ResponseValidator.default

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** A checker for one document: compiles each schema it needs once. */
export const checker = (document: unknown) => {
  const doc = record(document)
  const components = record(doc["components"])
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false })
  addFormats.default(ajv)
  const operations: Array<Operation> = []
  for (const [template, item] of Object.entries(record(doc["paths"]))) {
    for (const method of methods) {
      const operation = record(item)[method]
      if (!Predicate.isRecord(operation)) continue
      // Each `{name}` matches one path segment; everything else matches itself.
      const source = template.split(/(\{[^}]+\})/).map((part) => (part.startsWith("{") ? "[^/]+" : escape(part))).join("")
      operations.push({
        template,
        method,
        pattern: new RegExp(`^${source}$`),
        params: (template.match(/\{/g) ?? []).length,
        responses: record(operation["responses"])
      })
    }
  }
  // A static segment wins over a parameter (`/contacts/search` before `/contacts/{id}`).
  operations.sort((a, b) => a.params - b.params)
  const compiled = new Map<string, ValidateFunction>()
  // A schema of the document, compiled with its `#/components/...` references resolvable.
  const validatorOf = (key: string, schema: unknown): ValidateFunction => {
    const known = compiled.get(key)
    if (known !== undefined) return known
    const fresh = ajv.compile({ ...record(schema), $id: `urn:openapi:${compiled.size}`, components })
    compiled.set(key, fresh)
    return fresh
  }
  // The second validator, `openapi-response-validator`: its own reading of `responses` and
  // `components`, one instance per operation.
  const second = new Map<Operation, InstanceType<typeof Validator>>()
  const secondOpinion = (operation: Operation, status: number, body: unknown): string | undefined => {
    let validator = second.get(operation)
    if (validator === undefined) {
      // Boundary: the package types its arguments with `openapi-types`' interfaces; these are the
      // document's own objects, which those interfaces describe.
      const args = { responses: operation.responses, components } as unknown as ConstructorParameters<typeof Validator>[0]
      validator = new Validator(args)
      second.set(operation, validator)
    }
    const result: unknown = validator.validateResponse(String(status), body)
    return Predicate.isRecord(result) ? JSON.stringify(result["errors"] ?? result["message"]) : undefined
  }
  const resolveHeader = (header: unknown): Json => {
    const ref = record(header)["$ref"]
    return typeof ref === "string" ? record(record(components["headers"])[ref.split("/").pop() ?? ""]) : record(header)
  }

  return (responses: ReadonlyArray<Recorded>): Report => {
    const mismatches: Array<Mismatch> = []
    const undocumented: Array<string> = []
    let checked = 0
    for (const response of responses) {
      const path = response.url.split("?")[0] ?? ""
      const method = response.method.toLowerCase()
      const label = `${response.method} ${response.url} → ${response.status}`
      const operation = operations.find((o) => o.method === method && o.pattern.test(path))
      if (operation === undefined) {
        undocumented.push(label)
        continue
      }
      checked++
      const declared = operation.responses[String(response.status)] ?? operation.responses["default"]
      if (!Predicate.isRecord(declared)) {
        mismatches.push({ response: label, problem: `status ${response.status} is not listed for ${method} ${operation.template}` })
        continue
      }
      for (const [name, header] of Object.entries(record(declared["headers"]))) {
        const spec = resolveHeader(header)
        const value = response.headers[name.toLowerCase()]
        if (value === undefined) {
          if (spec["required"] === true) mismatches.push({ response: label, problem: `header ${name} is required and missing` })
          continue
        }
        const schema = record(spec["schema"])
        // A header is text; one documented as an integer must be one.
        const typed = schema["type"] === "integer" && /^-?\d+$/.test(value) ? Number(value) : value
        const validate = validatorOf(`${operation.template} ${method} ${response.status} header ${name}`, schema)
        if (!validate(typed)) mismatches.push({ response: label, problem: `header ${name}=${value}: ${ajv.errorsText(validate.errors)}` })
      }
      const content = record(declared["content"])
      const body = response.body ?? ""
      if (Object.keys(content).length === 0) {
        if (body !== "") mismatches.push({ response: label, problem: "a body where the document lists none" })
        continue
      }
      const contentType = (response.headers["content-type"] ?? "").split(";")[0]?.trim() ?? ""
      const media = record(content[contentType])
      if (!Predicate.isRecord(content[contentType])) {
        mismatches.push({ response: label, problem: `content type ${contentType || "(none)"} is not listed` })
        continue
      }
      const parsed = parseJson(body)
      if (parsed === undefined) {
        mismatches.push({ response: label, problem: `a body that is not JSON: ${body.slice(0, 80)}` })
        continue
      }
      const validate = validatorOf(`${operation.template} ${method} ${response.status} ${contentType}`, media["schema"])
      if (!validate(parsed.value)) {
        mismatches.push({ response: label, problem: `${ajv.errorsText(validate.errors)} in ${body.slice(0, 200)}` })
      }
      const other = secondOpinion(operation, response.status, parsed.value)
      if (other !== undefined) mismatches.push({ response: label, problem: `openapi-response-validator: ${other} in ${body.slice(0, 200)}` })
    }
    return { checked, undocumented, mismatches }
  }
}

const parseJson = (text: string): { readonly value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/**
 * The fault switch's HTML 502 stands for a proxy in front of the API (SPEC.md §7's drift, which a
 * client must survive): not an answer of the API, so not in its document.
 */
export const isInjectedProxyPage = (response: Recorded): boolean =>
  response.status === 502 && (response.headers["content-type"] ?? "").startsWith("text/html")

/** Checks every recorded response of a server against the document it serves. */
export const checkServed = async (baseUrl: string, responses: ReadonlyArray<Recorded>): Promise<Report> => {
  // Copied first: fetching the document is itself a response the recorder sees. A 499 is the
  // platform's mark of a request whose client went away (the dropped-connection fault): nothing
  // was written.
  const seen = responses.filter((r) => !isInjectedProxyPage(r) && r.status !== 499)
  const document: unknown = await fetch(`${baseUrl}/openapi.json`).then((r) => r.json())
  return checker(document)(seen)
}

/**
 * At the end of an end-to-end test: every response its server sent is one the served document
 * lists, body and headers (the check the issue asked of every e2e test).
 */
export const expectDocumented = (running: { readonly baseUrl: string; readonly responses: ReadonlyArray<Recorded> }) =>
  Effect.promise(() => checkServed(running.baseUrl, running.responses)).pipe(
    Effect.map((report) => {
      expect(report.mismatches).toStrictEqual([])
      return report
    })
  )
