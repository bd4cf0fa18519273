/**
 * What `ApiClient.fromApi` adds to `HttpApiClient.makeWith`: each method fails only with the
 * catalog errors its endpoint declares. The errata client underneath turns every non-2xx response
 * into its catalog class before `HttpApiClient` sees it (so the retries see a 503); a catalog
 * error the endpoint does not declare is drift, and is handed on as `UnknownApiError`, so the
 * method's error type stays exact.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as HttpApi from "effect/http-api/HttpApi"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as Predicate from "effect/Predicate"
import * as ApiError from "../../ApiError.js"
import * as CatalogErrors from "../../api/CatalogErrors.js"
import type * as Catalog from "../../Catalog.js"
import * as attemptCount from "./attempts.js"

type Method = (request: unknown) => Effect.Effect<unknown, unknown, unknown>

// The catalog codes each endpoint declares (Effect 4 puts a group's and an API's errors on every
// endpoint they hold, and `reflect` gives its middleware's with its own), keyed by group and
// endpoint identifier as `HttpApiClient` names its methods; top-level groups under "".
const declaredCodes = <Id extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<Id, Groups>
): Map<string, Map<string, ReadonlySet<Catalog.Code>>> => {
  const byGroup = new Map<string, Map<string, ReadonlySet<Catalog.Code>>>()
  HttpApi.reflect(api, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint, errors, group }) => {
      const codes = new Set<Catalog.Code>()
      for (const schemas of errors.values()) {
        for (const schema of schemas) for (const code of CatalogErrors.codesOf(schema)) codes.add(code)
      }
      const key = group.topLevel ? "" : group.identifier
      const endpoints = byGroup.get(key) ?? new Map<string, ReadonlySet<Catalog.Code>>()
      endpoints.set(endpoint.identifier, codes)
      byGroup.set(key, endpoints)
    }
  })
  return byGroup
}

/**
 * A catalog error the endpoint does not declare, as the drift it is; its attempt count goes with it.
 *
 * @internal
 */
export const undeclared = (error: ApiError.ApiError): ApiError.UnknownApiError => {
  const drift = new ApiError.UnknownApiError({
    code: error.code,
    status: error.status,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details }),
    ...(error.requestId === undefined ? {} : { requestId: error.requestId })
  })
  const attempts = attemptCount.get(error)
  if (attempts !== undefined) attemptCount.set(drift, attempts)
  return drift
}

const narrow = (method: Method, codes: ReadonlySet<Catalog.Code>): Method => (request) =>
  Effect.catchIf(
    method(request),
    (error): error is ApiError.ApiError => ApiError.isApiError(error) && !codes.has(error.code),
    (error) => Effect.fail(undeclared(error))
  )

const isMethod = (value: unknown): value is Method => typeof value === "function"

const entriesOf = (value: unknown): ReadonlyArray<readonly [string, unknown]> =>
  Predicate.isObject(value) ? Object.entries(value) : []

/**
 * The methods of `client` (as `HttpApiClient.makeWith` built it from `api`), each narrowed to the
 * catalog errors its endpoint declares.
 *
 * @internal
 */
export const narrowed = <Id extends string, Groups extends HttpApiGroup.Constraint>(
  api: HttpApi.HttpApi<Id, Groups>,
  client: unknown
): Record<string, unknown> => {
  const declared = declaredCodes(api)
  const none: ReadonlySet<Catalog.Code> = new Set()
  const out: Record<string, unknown> = {}
  for (const [name, member] of entriesOf(client)) {
    if (isMethod(member)) {
      out[name] = narrow(member, declared.get("")?.get(name) ?? none)
      continue
    }
    const endpoints = declared.get(name)
    const group: Record<string, unknown> = {}
    for (const [endpoint, method] of entriesOf(member)) {
      if (isMethod(method)) group[endpoint] = narrow(method, endpoints?.get(endpoint) ?? none)
    }
    out[name] = group
  }
  return out
}
