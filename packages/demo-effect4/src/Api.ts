/**
 * The reference API, declared with `HttpApi`: contacts, businesses and messages with create, get,
 * list, update and delete, bearer-key authentication, the scope each endpoint needs, and the
 * catalog errors each endpoint can answer with, all of which land in the OpenAPI document. The
 * same definition as the Effect 3 edition's, in Effect 4's words.
 */
import { ApiInfo, type ApiKeys, type Scopes } from "@errata/reference"
import { Context, Predicate, Schema } from "effect"
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "effect/http-api"
import { CatalogErrors, Ids } from "errata/api"
import * as Domain from "./Domain.js"
import { Fault } from "./Faults.js"

/** The API key of the current request, provided by `Authorization`. */
export class CurrentKey extends Context.Service<CurrentKey, ApiKeys.KeyInfo>()("@errata/demo-effect4/CurrentKey") {}

/**
 * The scope an endpoint needs (`contacts:write`), as an annotation of the endpoint:
 * `Authorization` checks it before the request's path, body or query is decoded.
 */
export class RequiredScope extends Context.Service<RequiredScope, Scopes.Scope>()("@errata/demo-effect4/RequiredScope") {}

/**
 * Bearer-key authentication and authorization, both before anything of the request is decoded
 * (the builder's middleware wraps the decoding of the path, headers, query and body): an unknown
 * or missing key is `UNAUTHORIZED`, a key without the endpoint's `RequiredScope` is
 * `INSUFFICIENT_PERMISSIONS`. So a stranger learns nothing of a schema by posting bad bodies to
 * endpoints it may not use.
 */
export class Authorization extends HttpApiMiddleware.Service<Authorization, { provides: CurrentKey }>()(
  "@errata/demo-effect4/Authorization",
  {
    error: CatalogErrors.schemas("UNAUTHORIZED", "INSUFFICIENT_PERMISSIONS"),
    security: { bearer: HttpApiSecurity.bearer }
  }
) {}

// A query parameter that is an integer. Effect 4's HttpApi decodes query values from their string
// form itself (Effect 3 needed `NumberFromString`), and the document describes the integer.
const integerParameter = (description: string, bounds: { readonly minimum: number; readonly maximum?: number }) =>
  Schema.Int.check(
    bounds.maximum === undefined
      ? Schema.isGreaterThanOrEqualTo(bounds.minimum)
      : Schema.isBetween({ minimum: bounds.minimum, maximum: bounds.maximum })
  ).annotate({ description })

/** `?limit=&offset=` of list endpoints: limit 1–100 (default 10), offset ≥ 0 (default 0). */
export const PageQuery = Schema.Struct({
  limit: Schema.optionalKey(integerParameter("How many items to return, 1 to 100 (default 10)", { minimum: 1, maximum: 100 })),
  offset: Schema.optionalKey(integerParameter("How many items to skip (default 0)", { minimum: 0 }))
})

/** The idempotency key a client sends with a create, so that its retries never create twice. */
export const CreateHeaders = Schema.Struct({ "idempotency-key": Schema.optionalKey(Schema.String) })

const resource = <const Name extends string, Id extends Schema.Top, Resource extends Schema.Top, Create extends Schema.Top, Update extends Schema.Top>(
  name: Name,
  noun: string,
  about: string,
  Id: Id,
  Resource: Resource,
  Create: Create,
  Update: Update
) => {
  const params = { id: Id }
  const read: Scopes.Scope = `${name}:read`
  const write: Scopes.Scope = `${name}:write`
  const remove: Scopes.Scope = `${name}:delete`
  return HttpApiGroup.make(name)
    .add(
      HttpApiEndpoint.post("create", `/${name}`, {
        payload: Create,
        headers: CreateHeaders,
        success: Domain.One(Resource).pipe(HttpApiSchema.status(201))
      })
        .annotate(RequiredScope, write)
        .annotate(OpenApi.Summary, `Create a ${noun}`)
        .annotate(
          OpenApi.Description,
          `Creates a ${noun} (scope \`${write}\`). An \`Idempotency-Key\` header makes retries of the same create safe: the first result is returned again.`
        )
        .pipe(CatalogErrors.add("VALIDATION_ERROR")),
      HttpApiEndpoint.get("list", `/${name}`, { query: PageQuery, success: Domain.Many(Resource) })
        .annotate(RequiredScope, read)
        .annotate(OpenApi.Summary, `List ${name}`)
        .annotate(
          OpenApi.Description,
          `Lists ${name}, oldest first, a page at a time (scope \`${read}\`): \`meta.pagination\` says whether there are more.`
        )
        .pipe(CatalogErrors.add("INVALID_INPUT")),
      HttpApiEndpoint.get("get", `/${name}/:id`, { params, success: Domain.One(Resource) })
        .annotate(RequiredScope, read)
        .annotate(OpenApi.Summary, `Get a ${noun}`)
        .annotate(OpenApi.Description, `Returns one ${noun} by its ID (scope \`${read}\`).`),
      HttpApiEndpoint.patch("update", `/${name}/:id`, { params, payload: Update, success: Domain.One(Resource) })
        .annotate(RequiredScope, write)
        .annotate(OpenApi.Summary, `Update a ${noun}`)
        .annotate(OpenApi.Description, `Changes the fields the body names and leaves the others (scope \`${write}\`).`)
        .pipe(CatalogErrors.add("VALIDATION_ERROR")),
      HttpApiEndpoint.delete("remove", `/${name}/:id`, { params, success: HttpApiSchema.NoContent })
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
  HttpApiEndpoint.get("search", "/contacts/search", {
    query: Schema.Struct({
      q: Schema.String.check(Schema.isMinLength(1)).annotate({
        description: "The text to look for in names and email addresses, at least one character"
      })
    }),
    success: Domain.Many(Domain.Contact)
  })
    .annotate(RequiredScope, "contacts:read")
    .annotate(OpenApi.Summary, "Search contacts")
    .annotate(
      OpenApi.Description,
      "Finds the contacts whose name or email address contains `q`, ignoring case (scope `contacts:read`). Without `q` the answer is `MISSING_QUERY`."
    )
    // `NOT_FOUND` too, as the group's other endpoints: Effect 4 has no errors of a group, so the
    // group's `CatalogErrors.add` reached only the endpoints it had then (Effect 3 adds it to this one).
    .pipe(CatalogErrors.add("MISSING_QUERY", "INVALID_INPUT", "NOT_FOUND"))
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
    HttpApiEndpoint.post("armFault", "/_admin/faults", { payload: Fault, success: HttpApiSchema.NoContent })
      .annotate(RequiredScope, "organization:write"),
    HttpApiEndpoint.delete("clearFaults", "/_admin/faults", { success: HttpApiSchema.NoContent })
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
      info: { ...(Predicate.isObject(spec["info"]) ? spec["info"] : {}), contact: ApiInfo.contact("errata") }
    }))
{}
