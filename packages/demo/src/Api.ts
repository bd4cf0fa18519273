/**
 * The reference API, declared with `HttpApi`: contacts, businesses and messages with create, get,
 * list, update and delete, bearer-key authentication, the scope each endpoint needs, and the
 * catalog errors each endpoint can answer with, all of which land in the OpenAPI document.
 */
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "@effect/platform"
import { CatalogErrors, Ids } from "@errata/server"
import { Context, Schema } from "effect"
import * as Domain from "./Domain.js"
import { Fault } from "./Faults.js"
import type { KeyInfo } from "./Keys.js"
import type * as Scopes from "./Scopes.js"

/** The API key of the current request, provided by `Authorization`. */
export class CurrentKey extends Context.Tag("@errata/demo/CurrentKey")<CurrentKey, KeyInfo>() {}

/**
 * The scope an endpoint needs (`contacts:write`), as an annotation of the endpoint:
 * `Authorization` checks it before the request's path, body or query is decoded.
 */
export class RequiredScope extends Context.Tag("@errata/demo/RequiredScope")<RequiredScope, Scopes.Scope>() {}

/**
 * Bearer-key authentication and authorization, both before anything of the request is decoded
 * (the builder runs security middleware first): an unknown or missing key is `UNAUTHORIZED`, a key
 * without the endpoint's `RequiredScope` is `INSUFFICIENT_PERMISSIONS`. So a stranger learns
 * nothing of a schema by posting bad bodies to endpoints it may not use.
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("@errata/demo/Authorization", {
  failure: Schema.Union(CatalogErrors.schema("UNAUTHORIZED"), CatalogErrors.schema("INSUFFICIENT_PERMISSIONS")),
  provides: CurrentKey,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** `?limit=&offset=` of list endpoints: limit 1–100 (default 10), offset ≥ 0 (default 0). */
export const PageQuery = Schema.Struct({
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100))),
  offset: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(0)))
})

/** The idempotency key a client sends with a create, so that its retries never create twice. */
export const CreateHeaders = Schema.Struct({ "idempotency-key": Schema.optional(Schema.String) })

const resource = <const Name extends string, IdA, RA, RI, CA, CI, UA, UI>(
  name: Name,
  Id: Schema.Schema<IdA, string>,
  Resource: Schema.Schema<RA, RI>,
  Create: Schema.Schema<CA, CI>,
  Update: Schema.Schema<UA, UI>
) => {
  const path = Schema.Struct({ id: Id })
  const read: Scopes.Scope = `${name}:read`
  const write: Scopes.Scope = `${name}:write`
  const remove: Scopes.Scope = `${name}:delete`
  return HttpApiGroup.make(name)
    .add(
      HttpApiEndpoint.post("create", `/${name}`)
        .setPayload(Create)
        .setHeaders(CreateHeaders)
        .addSuccess(Domain.One(Resource), { status: 201 })
        .annotate(RequiredScope, write)
        .pipe(CatalogErrors.add("VALIDATION_ERROR"))
    )
    .add(
      HttpApiEndpoint.get("list", `/${name}`)
        .setUrlParams(PageQuery)
        .addSuccess(Domain.Many(Resource))
        .annotate(RequiredScope, read)
        .pipe(CatalogErrors.add("INVALID_INPUT"))
    )
    .add(HttpApiEndpoint.get("get", `/${name}/:id`).setPath(path).addSuccess(Domain.One(Resource)).annotate(RequiredScope, read))
    .add(
      HttpApiEndpoint.patch("update", `/${name}/:id`)
        .setPath(path)
        .setPayload(Update)
        .addSuccess(Domain.One(Resource))
        .annotate(RequiredScope, write)
        .pipe(CatalogErrors.add("VALIDATION_ERROR"))
    )
    .add(
      HttpApiEndpoint.del("remove", `/${name}/:id`)
        .setPath(path)
        .addSuccess(HttpApiSchema.NoContent)
        .annotate(RequiredScope, remove)
    )
    .pipe(CatalogErrors.add("NOT_FOUND"))
    .middleware(Authorization)
}

/** `/contacts`, plus `/contacts/search?q=` whose `q` is required (`MISSING_QUERY` without it). */
export const Contacts = resource(
  "contacts",
  Ids.ContactId,
  Domain.Contact,
  Domain.ContactCreate,
  Domain.ContactUpdate
).add(
  HttpApiEndpoint.get("search", "/contacts/search")
    .setUrlParams(Schema.Struct({ q: Schema.String.pipe(Schema.minLength(1)) }))
    .addSuccess(Domain.Many(Domain.Contact))
    .annotate(RequiredScope, "contacts:read")
    .pipe(CatalogErrors.add("MISSING_QUERY", "INVALID_INPUT"))
    .middleware(Authorization)
)

/** `/businesses`. */
export const Businesses = resource(
  "businesses",
  Ids.BusinessId,
  Domain.Business,
  Domain.BusinessCreate,
  Domain.BusinessUpdate
)

/** `/messages`. */
export const Messages = resource(
  "messages",
  Ids.MessageId,
  Domain.Message,
  Domain.MessageCreate,
  Domain.MessageUpdate
)

/** `/_admin/faults`: arms the fault switch (needs `organization:write`). */
export const Admin = HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.post("armFault", "/_admin/faults")
      .setPayload(Fault)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(RequiredScope, "organization:write")
  )
  .add(
    HttpApiEndpoint.del("clearFaults", "/_admin/faults")
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(RequiredScope, "organization:write")
  )
  .pipe(CatalogErrors.add("VALIDATION_ERROR"))
  .middleware(Authorization)
  .annotate(OpenApi.Exclude, true)

/** The whole reference API. */
export class Api extends HttpApi.make("errata-reference-api")
  .add(Contacts)
  .add(Businesses)
  .add(Messages)
  .add(Admin)
  .pipe(CatalogErrors.add("RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"))
  .annotate(OpenApi.Title, "errata reference API")
  .annotate(OpenApi.Description, "Contacts, businesses and messages, with the error dialect errata models.")
  .annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)
{}
