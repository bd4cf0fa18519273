/**
 * What `ApiClient.fromApi` adds to `HttpApiClient.makeWith`: each method fails only with the
 * catalog errors its endpoint declares. The errata client underneath turns every non-2xx response
 * into its catalog class before `HttpApiClient` sees it (so the retries see a 503); a catalog
 * error the endpoint does not declare is drift, and is handed on as `UnknownApiError`, so the
 * method's error type stays exact.
 *
 * @internal
 */
import * as HttpApi from "@effect/platform/HttpApi"
import { CatalogErrors } from "@errata/api"
import { ApiError, type Catalog } from "@errata/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as attemptCount from "./attempts.js"

type Method = (request: unknown) => Effect.Effect<unknown, unknown>

// The catalog codes each endpoint declares, its group's and its API's (and their middleware's)
// included, keyed by group and endpoint name as `HttpApiClient` names its methods.
const declaredCodes = (api: HttpApi.HttpApi.Any): Map<string, Map<string, ReadonlySet<Catalog.Code>>> => {
  const byGroup = new Map<string, Map<string, ReadonlySet<Catalog.Code>>>()
  // Boundary: `reflect` takes the full interface, which every `HttpApi` value has.
  HttpApi.reflect(api as HttpApi.HttpApi.AnyWithProps, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint, errors, group }) => {
      const codes = new Set<Catalog.Code>()
      for (const { ast } of errors.values()) {
        if (Option.isSome(ast)) for (const code of CatalogErrors.codesOf(ast.value)) codes.add(code)
      }
      const key = group.topLevel ? "" : group.identifier
      const endpoints = byGroup.get(key) ?? new Map<string, ReadonlySet<Catalog.Code>>()
      endpoints.set(endpoint.name, codes)
      byGroup.set(key, endpoints)
    }
  })
  return byGroup
}

// A catalog error the endpoint does not declare, as the drift it is; its attempt count goes with it.
const undeclared = (error: ApiError.ApiError): ApiError.UnknownApiError => {
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

/**
 * The methods of `client` (as `HttpApiClient.makeWith` built it from `api`), each narrowed to the
 * catalog errors its endpoint declares.
 *
 * @internal
 */
export const narrowed = (api: HttpApi.HttpApi.Any, client: unknown): Record<string, unknown> => {
  const declared = declaredCodes(api)
  const out: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(Predicate.isRecord(client) ? client : {})) {
    const topLevel = declared.get("")?.get(name)
    if (isMethod(member)) {
      out[name] = narrow(member, topLevel ?? new Set())
      continue
    }
    if (!Predicate.isRecord(member)) continue
    const endpoints = declared.get(name)
    const group: Record<string, unknown> = {}
    for (const [endpoint, method] of Object.entries(member)) {
      if (isMethod(method)) group[endpoint] = narrow(method, endpoints?.get(endpoint) ?? new Set())
    }
    out[name] = group
  }
  return out
}
