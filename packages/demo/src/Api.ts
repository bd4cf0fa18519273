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
import { CatalogErrors, Ids } from "@errata/api"
import { ApiInfo, type ApiKeys, type Scopes } from "@errata/reference"
import { Context, Predicate, Schema } from "effect"
import * as Domain from "./Domain.js"
import { Fault } from "./Faults.js"

/** The API key of the current request, provided by `Authorization`. */
export class CurrentKey extends Context.Tag("@errata/demo/CurrentKey")<CurrentKey, ApiKeys.KeyInfo>() {}

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

// A query parameter that is an integer: on the wire a string, so its JSON Schema would say
// "string"; OpenAPI describes the value after the parameter's serialization, an integer with bounds.
const integerParameter = (description: string, bounds: { readonly minimum: number; readonly maximum?: number }, fallback: number) =>
  Schema.NumberFromString.pipe(
    Schema.int(),
    bounds.maximum === undefined ? Schema.greaterThanOrEqualTo(bounds.minimum) : Schema.between(bounds.minimum, bounds.maximum)
  ).annotations({
    description,
    jsonSchema: { type: "integer", ...bounds, default: fallback, description }
  })

/** `?limit=&offset=` of list endpoints: limit 1–100 (default 10), offset ≥ 0 (default 0). */
export const PageQuery = Schema.Struct({
  limit: Schema.optional(integerParameter("How many items to return, 1 to 100", { minimum: 1, maximum: 100 }, 10)),
  offset: Schema.optional(integerParameter("How many items to skip", { minimum: 0 }, 0))
})

/** The idempotency key a client sends with a create, so that its retries never create twice. */
export const CreateHeaders = Schema.Struct({ "idempotency-key": Schema.optional(Schema.String) })

const resource = <const Name extends string, IdA, RA, RI, CA, CI, UA, UI>(
  name: Name,
  noun: string,
  about: string,
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
        .annotate(OpenApi.Summary, `Create a ${noun}`)
        .annotate(
          OpenApi.Description,
          `Creates a ${noun} (scope \`${write}\`). An \`Idempotency-Key\` header makes retries of the same create safe: the first result is returned again.`
        )
        .pipe(CatalogErrors.add("VALIDATION_ERROR"))
    )
    .add(
      HttpApiEndpoint.get("list", `/${name}`)
        .setUrlParams(PageQuery)
        .addSuccess(Domain.Many(Resource))
        .annotate(RequiredScope, read)
        .annotate(OpenApi.Summary, `List ${name}`)
        .annotate(
          OpenApi.Description,
          `Lists ${name}, oldest first, a page at a time (scope \`${read}\`): \`meta.pagination\` says whether there are more.`
        )
        .pipe(CatalogErrors.add("INVALID_INPUT"))
    )
    .add(
      HttpApiEndpoint.get("get", `/${name}/:id`)
        .setPath(path)
        .addSuccess(Domain.One(Resource))
        .annotate(RequiredScope, read)
        .annotate(OpenApi.Summary, `Get a ${noun}`)
        .annotate(OpenApi.Description, `Returns one ${noun} by its ID (scope \`${read}\`).`)
    )
    .add(
      HttpApiEndpoint.patch("update", `/${name}/:id`)
        .setPath(path)
        .setPayload(Update)
        .addSuccess(Domain.One(Resource))
        .annotate(RequiredScope, write)
        .annotate(OpenApi.Summary, `Update a ${noun}`)
        .annotate(OpenApi.Description, `Changes the fields the body names and leaves the others (scope \`${write}\`).`)
        .pipe(CatalogErrors.add("VALIDATION_ERROR"))
    )
    .add(
      HttpApiEndpoint.del("remove", `/${name}/:id`)
        .setPath(path)
        .addSuccess(HttpApiSchema.NoContent)
        .annotate(RequiredScope, remove)
        .annotate(OpenApi.Summary, `Delete a ${noun}`)
        .annotate(OpenApi.Description, `Deletes a ${noun} for good (scope \`${remove}\`); answers 204 with no body.`)
    )
    .pipe(CatalogErrors.add("NOT_FOUND"))
    .middleware(Authorization)
    .annotate(OpenApi.Description, about)
}

/** `/contacts`, plus `/contacts/search?q=` whose `q` is required (`MISSING_QUERY` without it). */
export const Contacts = resource(
  "contacts",
  "contact",
  "The people a business talks to: a name, an email address and, optionally, a phone number.",
  Ids.ContactId,
  Domain.Contact,
  Domain.ContactCreate,
  Domain.ContactUpdate
).add(
  HttpApiEndpoint.get("search", "/contacts/search")
    .setUrlParams(Schema.Struct({
      q: Schema.String.pipe(Schema.minLength(1)).annotations({
        description: "The text to look for in names and email addresses, at least one character"
      })
    }))
    .addSuccess(Domain.Many(Domain.Contact))
    .annotate(RequiredScope, "contacts:read")
    .annotate(OpenApi.Summary, "Search contacts")
    .annotate(
      OpenApi.Description,
      "Finds the contacts whose name or email address contains `q`, ignoring case (scope `contacts:read`). Without `q` the answer is `MISSING_QUERY`."
    )
    .pipe(CatalogErrors.add("MISSING_QUERY", "INVALID_INPUT"))
    .middleware(Authorization)
)

/** `/businesses`. */
export const Businesses = resource(
  "businesses",
  "business",
  "The organisations that own the conversations: a name and, optionally, a website.",
  Ids.BusinessId,
  Domain.Business,
  Domain.BusinessCreate,
  Domain.BusinessUpdate
)

/** `/messages`. */
export const Messages = resource(
  "messages",
  "message",
  "Messages sent to a contact over SMS, email or WhatsApp.",
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
  .annotate(OpenApi.Title, ApiInfo.title)
  .annotate(OpenApi.Version, ApiInfo.version)
  .annotate(OpenApi.Description, ApiInfo.description)
  .annotate(OpenApi.License, ApiInfo.license)
  .annotate(OpenApi.Servers, ApiInfo.servers)
  // The platform has no annotation for `info.contact`, so it is added next to errata's transform.
  .annotate(OpenApi.Transform, (spec) =>
    CatalogErrors.withoutDecodeError({
      ...spec,
      info: { ...(Predicate.isRecord(spec["info"]) ? spec["info"] : {}), contact: ApiInfo.contact("@errata/server") }
    }))
{}
