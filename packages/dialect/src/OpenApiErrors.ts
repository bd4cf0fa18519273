/**
 * The OpenAPI document of an API served with errata's middleware, rewritten to say what the
 * server answers: what `CatalogErrors.withoutDecodeError` does in both editions. Plain JSON in,
 * plain JSON out; the shapes written here are the wire contract (SPEC.md §1, §3, §4) as JSON
 * Schema, and the codes come from the catalog.
 *
 * @since 0.1.0
 */
import * as Catalog from "./Catalog.js"

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

type Json = Readonly<Record<string, unknown>>

const schemaRefPrefix = "#/components/schemas/"
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` })

const issuesShape = {
  type: "object",
  required: ["issues"],
  properties: {
    issues: {
      type: "array",
      items: {
        type: "object",
        required: ["path", "message"],
        properties: {
          path: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
          message: { type: "string" }
        }
      }
    }
  }
} as const

const valueShape = {
  type: "object",
  properties: { value: { type: "string", maxLength: 64, description: "The offending value, cut to 64 characters" } }
} as const

const detailsShapes: { readonly [C in Catalog.Code]?: Json } = {
  VALIDATION_ERROR: { ...issuesShape, description: "One issue per failing field; `path` is inside the body" },
  INVALID_INPUT: { ...issuesShape, description: "One issue per failing input; `path` starts at the parameter name" },
  MISSING_QUERY: {
    type: "object",
    required: ["parameter"],
    properties: { parameter: { type: "string", description: "The missing query parameter" } }
  },
  INVALID_MESSAGE_ID: valueShape,
  INVALID_CONTACT_ID: valueShape,
  INVALID_BUSINESS_ID: valueShape,
  RATE_LIMIT_EXCEEDED: {
    type: "object",
    required: ["retryAfter"],
    properties: {
      retryAfter: { type: "integer", minimum: 1, description: "Seconds to wait; the Retry-After header says the same" }
    }
  },
  INSUFFICIENT_PERMISSIONS: {
    type: "object",
    properties: { scope: { type: "string", description: "The scope that was needed, e.g. contacts:write" } }
  }
}

// The JSON Schema of the wire body of one code: its code, and the details the catalog gives it.
const bodyJsonSchema = (code: Catalog.Code): Record<string, unknown> => {
  const entry = Catalog.entries[code]
  return {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", enum: [code] },
          message: { type: "string" },
          details: detailsShapes[code] ?? { type: "object" }
        },
        additionalProperties: false
      }
    },
    additionalProperties: false,
    title: entry.tag,
    description: `${code}: ${entry.message}`
  }
}

// One body per code, so each code is documented with its own details (not any code with any).
/**
 * The JSON Schema of the wire body of a set of codes (one body per code, each with its details
 * schema): what a status of the document lists.
 *
 * @example
 * import { OpenApiErrors } from "@errata/dialect"
 * OpenApiErrors.wireJsonSchema(["NOT_FOUND"])
 *
 * @since 0.1.0
 * @category schemas
 */
export const wireJsonSchema = (codes: ReadonlyArray<Catalog.Code>): Record<string, unknown> =>
  codes.length === 1 && codes[0] !== undefined ? bodyJsonSchema(codes[0]) : { anyOf: codes.map(bodyJsonSchema) }

// The response headers errata's middlewares write, as OpenAPI header objects (SPEC.md §4).
const headerComponents: Readonly<Record<string, Json>> = {
  "X-Request-ID": {
    description: "The request's ID: the client's own when it sent a safe one, else a new one. Support asks for it.",
    required: true,
    schema: { type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._:-]+$" }
  },
  "X-RateLimit-Limit": {
    description: "Requests per minute the caller's tier allows.",
    schema: { type: "integer", minimum: 0 }
  },
  "X-RateLimit-Remaining": {
    description: "Requests left before the limit applies.",
    schema: { type: "integer", minimum: 0 }
  },
  "X-RateLimit-Reset": {
    description: "When the bucket is full again, in Unix seconds.",
    schema: { type: "integer", minimum: 0 }
  },
  "Retry-After": {
    description: "Seconds to wait before retrying (on a 429, the same number as `details.retryAfter`).",
    schema: { type: "integer", minimum: 0 }
  }
}

const isCode = (u: unknown): u is Catalog.Code => typeof u === "string" && Object.hasOwn(Catalog.entries, u)

const codeOfTag = new Map<unknown, Catalog.Code>(Catalog.all.map((e) => [e.tag, e.code]))

const at = (value: unknown, ...keys: ReadonlyArray<string>): unknown => {
  let current = value
  for (const key of keys) current = isObject(current) ? current[key] : undefined
  return current
}

// The values a JSON Schema of a literal allows: its `enum`, or its `const`.
const literalValues = (schema: unknown): ReadonlyArray<unknown> | undefined => {
  const values = at(schema, "enum")
  if (Array.isArray(values)) return values
  const single = at(schema, "const")
  return single === undefined ? undefined : [single]
}

type Resolve = (schema: unknown) => unknown

/**
 * The catalog codes a response schema documents, when it is an errata wire body (or a union or a
 * reference of them), or a catalog class declared as it is (`error: ApiError.NotFound`: its own
 * fields, `_tag` first, which the middleware never sends); `undefined` for any other schema, which
 * is kept as it is.
 */
const codesOfBody = (schema: unknown, resolve: Resolve, depth = 0): ReadonlyArray<Catalog.Code> | undefined => {
  if (!isObject(schema) || depth > 8) return undefined
  const target = typeof schema["$ref"] === "string" ? resolve(schema) : schema
  if (target !== schema) return codesOfBody(target, resolve, depth + 1)
  const members = schema["anyOf"] ?? schema["oneOf"]
  if (Array.isArray(members)) {
    const codes: Array<Catalog.Code> = []
    for (const member of members) {
      const own = codesOfBody(member, resolve, depth + 1)
      if (own === undefined) return undefined
      codes.push(...own)
    }
    return codes.length === 0 ? undefined : codes
  }
  const tags = literalValues(at(schema, "properties", "_tag"))
  const fromClass = tags !== undefined && tags.length === 1 ? codeOfTag.get(tags[0]) : undefined
  if (fromClass !== undefined) return [fromClass]
  const values = literalValues(at(schema, "properties", "error", "properties", "code"))
  return values !== undefined && values.length > 0 && values.every(isCode) ? values : undefined
}

const jsonSchemaOf = (response: unknown): unknown => at(response, "content", "application/json", "schema")

// The `x-errata-code` an `Ids` schema writes, through `$ref`s and the `allOf` of its checks.
const idCodeOf = (schema: Json, resolve: Resolve, depth = 0): Catalog.Code | undefined => {
  if (depth > 8) return undefined
  const own = schema["x-errata-code"]
  if (isCode(own)) return own
  const target = typeof schema["$ref"] === "string" ? resolve(schema) : undefined
  if (isObject(target) && target !== schema) return idCodeOf(target, resolve, depth + 1)
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    const members = schema[key]
    if (!Array.isArray(members)) continue
    for (const member of members) {
      const code = isObject(member) ? idCodeOf(member, resolve, depth + 1) : undefined
      if (code !== undefined) return code
    }
  }
  return undefined
}

// What the middleware answers on an operation, whatever its declared errors say: the code of each
// ID in its path, `VALIDATION_ERROR` for a body, `INVALID_INPUT` for query parameters and headers
// (and `MISSING_QUERY` when a query parameter is required), `UNAUTHORIZED` under a security
// scheme, `INTERNAL_ERROR` always.
const answeredByMiddleware = (
  operation: Json,
  pathParameters: ReadonlyArray<unknown>,
  spec: Json,
  resolve: Resolve
): ReadonlyArray<Catalog.Code> => {
  const codes: Array<Catalog.Code> = ["INTERNAL_ERROR"]
  const own = operation["parameters"]
  const parameters = [...pathParameters, ...(Array.isArray(own) ? own : [])].filter(isObject)
  for (const parameter of parameters) {
    if (parameter["in"] === "path") {
      const code = isObject(parameter["schema"]) ? idCodeOf(parameter["schema"], resolve) : undefined
      if (code !== undefined) codes.push(code)
    } else if (parameter["in"] === "query") {
      codes.push("INVALID_INPUT")
      if (parameter["required"] === true) codes.push("MISSING_QUERY")
    } else if (parameter["in"] === "header") {
      // A header that does not decode is `INVALID_INPUT` too, its issue's path the header's name.
      codes.push("INVALID_INPUT")
    }
  }
  if (operation["requestBody"] !== undefined) codes.push("VALIDATION_ERROR")
  const security = operation["security"] ?? spec["security"]
  if (Array.isArray(security) && security.some((s) => isObject(s) && Object.keys(s).length > 0)) {
    codes.push("UNAUTHORIZED")
  }
  return codes
}

const byStatus = (codes: ReadonlyArray<Catalog.Code>): ReadonlyArray<readonly [Catalog.Code, ...Array<Catalog.Code>]> => {
  const groups = new Map<number, [Catalog.Code, ...Array<Catalog.Code>]>()
  for (const code of Catalog.codes) {
    if (!codes.includes(code)) continue
    const status = Catalog.entries[code].status
    const group = groups.get(status)
    if (group === undefined) groups.set(status, [code])
    else group.push(code)
  }
  return [...groups.values()]
}

// Three digits, else last (`default`, `4XX`): a linear check, no pattern.
const statusOrder = (status: string): number =>
  status.length === 3 && [...status].every((c) => c >= "0" && c <= "9") ? Number(status) : 1000

const rewriteOperation = (
  operation: Json,
  pathParameters: ReadonlyArray<unknown>,
  spec: Json,
  resolve: Resolve,
  replaced: Set<unknown>,
  platform: ReadonlySet<string>
): Record<string, unknown> => {
  const responses = isObject(operation["responses"]) ? operation["responses"] : {}
  const codes = new Set<Catalog.Code>(answeredByMiddleware(operation, pathParameters, spec, resolve))
  const others = new Map<string, Array<unknown>>()
  const kept = new Map<string, unknown>()
  for (const [status, response] of Object.entries(responses)) {
    const schema = jsonSchemaOf(response)
    const whole = codesOfBody(schema, resolve)
    // A status whose schema is all errata bodies is rewritten whole; a union that mixes them with
    // other schemas keeps the others beside the wire bodies.
    const members: ReadonlyArray<unknown> = whole === undefined && isObject(schema) && Array.isArray(schema["anyOf"])
      ? schema["anyOf"]
      : [schema]
    let errata = false
    const rest: Array<unknown> = []
    for (const member of members) {
      // A platform error body the middleware answers in the wire format instead: dropped.
      const ref = at(member, "$ref")
      if (typeof ref === "string" && platform.has(ref.slice(schemaRefPrefix.length))) {
        errata = true
        replaced.add(member)
        continue
      }
      const found = codesOfBody(member, resolve)
      if (found === undefined) {
        rest.push(member)
        continue
      }
      errata = true
      replaced.add(member)
      for (const code of found) codes.add(code)
    }
    if (!errata) kept.set(status, response)
    else if (rest.length > 0) others.set(status, rest)
  }
  const limited = codes.has("RATE_LIMIT_EXCEEDED")
  const headers = (status: number): Json => ({
    "X-Request-ID": headerRef("X-Request-ID"),
    ...(limited
      ? {
        "X-RateLimit-Limit": headerRef("X-RateLimit-Limit"),
        "X-RateLimit-Remaining": headerRef("X-RateLimit-Remaining"),
        "X-RateLimit-Reset": headerRef("X-RateLimit-Reset")
      }
      : {}),
    // Required on a 429 (SPEC.md §3); a 503 may carry one.
    ...(status === 429
      ? { "Retry-After": { ...headerComponents["Retry-After"], required: true } }
      : status === 503
      ? { "Retry-After": headerRef("Retry-After") }
      : {})
  })
  const out = new Map<string, unknown>()
  for (const [status, response] of kept) {
    if (!isObject(response)) {
      out.set(status, response)
      continue
    }
    // Headers the endpoint declared itself win over errata's of the same name.
    const own = isObject(response["headers"]) ? response["headers"] : {}
    out.set(status, { ...response, headers: { ...headers(Number(status)), ...own } })
  }
  for (const group of byStatus([...codes])) {
    const status = String(Catalog.entries[group[0]].status)
    const wire = wireJsonSchema(group)
    // A status the endpoint declared only its own schema for, and the middleware answers too.
    const ownSchema = kept.has(status) ? jsonSchemaOf(kept.get(status)) : undefined
    const extra = [...(others.get(status) ?? []), ...(ownSchema === undefined ? [] : [ownSchema])]
    out.set(status, {
      description: group.map((code) => `${code}: ${Catalog.entries[code].message}`).join("; "),
      headers: headers(Number(status)),
      content: {
        "application/json": {
          // A non-errata schema declared for the same status stays beside the wire bodies.
          schema: extra.length === 0 ? wire : { anyOf: [...group.map(bodyJsonSchema), ...extra] }
        }
      }
    })
  }
  const sorted = [...out.entries()].sort(([a], [b]) => statusOrder(a) - statusOrder(b))
  return { ...operation, responses: Object.fromEntries(sorted) }
}

const httpMethods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"])

// The component names a JSON value refers to.
const refsIn = (value: unknown, out: Set<string>): Set<string> => {
  if (Array.isArray(value)) {
    for (const item of value) refsIn(item, out)
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string" && item.startsWith(schemaRefPrefix)) {
        out.add(item.slice(schemaRefPrefix.length))
      } else refsIn(item, out)
    }
  }
  return out
}

/**
 * Rewrites an OpenAPI document to say what errata's server answers:
 *
 * - the platform error bodies named in `platformBodies` (component names, e.g. Effect 3's
 *   `HttpApiDecodeError`) are removed from every response, as the middleware answers those
 *   failures in the wire format, and so are the components only they used;
 * - every operation lists the codes the middleware answers on it, whatever it declares: the
 *   `INVALID_*_ID` of each path parameter whose schema names an `x-errata-code`, `VALIDATION_ERROR`
 *   with a body, `INVALID_INPUT` with query parameters or headers (and `MISSING_QUERY` when a
 *   query parameter is required), `UNAUTHORIZED` under a security scheme, and `INTERNAL_ERROR`;
 * - each status lists one wire body per code, with the details schema of that code;
 * - every response declares `X-Request-ID`; an operation that can answer `RATE_LIMIT_EXCEEDED`
 *   declares `X-RateLimit-*` on every response, and `Retry-After` on its 429 (required) and 503.
 *
 * @example
 * import { OpenApiErrors } from "@errata/dialect"
 * const document = OpenApiErrors.rewrite({ openapi: "3.1.0", paths: {} })
 *
 * @since 0.1.0
 * @category OpenAPI
 */
export const rewrite = (
  spec: Record<string, unknown>,
  platformBodies: ReadonlyArray<string> = []
): Record<string, unknown> => {
  const platform = new Set(platformBodies)
  const components = isObject(spec["components"]) ? spec["components"] : {}
  const schemas = isObject(components["schemas"]) ? components["schemas"] : {}
  const resolve: Resolve = (schema) => {
    const ref = at(schema, "$ref")
    return typeof ref === "string" && ref.startsWith(schemaRefPrefix) ? schemas[ref.slice(schemaRefPrefix.length)] : schema
  }
  const replaced = new Set<unknown>()
  const out: Record<string, unknown> = { ...spec }
  const paths = spec["paths"]
  if (isObject(paths)) {
    const newPaths: Record<string, unknown> = {}
    for (const [path, item] of Object.entries(paths)) {
      if (!isObject(item)) {
        newPaths[path] = item
        continue
      }
      const pathParameters: ReadonlyArray<unknown> = Array.isArray(item["parameters"]) ? item["parameters"] : []
      const newItem: Record<string, unknown> = {}
      for (const [key, operation] of Object.entries(item)) {
        newItem[key] = httpMethods.has(key) && isObject(operation)
          ? rewriteOperation(operation, pathParameters, spec, resolve, replaced, platform)
          : operation
      }
      newPaths[path] = newItem
    }
    out["paths"] = newPaths
  }
  // The components only the replaced bodies referred to (a class's own fields, `Wire.schema`'s
  // bodies, a platform body and what it uses) go, once nothing else refers to them.
  const candidates = refsIn([...replaced], new Set<string>())
  const kept: Record<string, unknown> = { ...schemas }
  let changed = true
  while (changed) {
    changed = false
    for (const name of candidates) {
      if (!Object.hasOwn(kept, name)) continue
      const others = Object.entries(kept).filter(([other]) => other !== name).map(([, schema]) => schema)
      if (!refsIn([out["paths"], out["webhooks"], others], new Set<string>()).has(name)) {
        refsIn(kept[name], candidates)
        delete kept[name]
        changed = true
      }
    }
  }
  out["components"] = {
    ...components,
    schemas: kept,
    headers: { ...headerComponents, ...(isObject(components["headers"]) ? components["headers"] : {}) }
  }
  return out
}
