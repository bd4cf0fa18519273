/**
 * The reference API's resources: contacts, businesses and messages, with UUID ids and
 * Schema-validated request bodies.
 */
import { Schema } from "effect"

const Name = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200))

// Lengths are checked before patterns: a refinement runs only on what passed the one before it,
// so a pattern never sees more than 320 characters. The pattern is linear anyway (labels hold no
// dot, so there is one way to split a domain), as `regexp/no-super-linear-backtracking` checks.
const Email = Schema.String.pipe(
  Schema.maxLength(320),
  Schema.pattern(/^[^\s@]+@[^\s.@]+(?:\.[^\s.@]+)+$/, { message: () => "must be a valid email address" })
)

/** A contact: someone the business talks to. */
export const Contact = Schema.Struct({
  id: Schema.UUID,
  name: Name,
  email: Email,
  phone: Schema.optional(Schema.String.pipe(Schema.pattern(/^\+?[0-9 ()-]{5,20}$/))),
  createdAt: Schema.String
}).annotations({ identifier: "Contact" })
export type Contact = typeof Contact.Type

/** The body of `POST /contacts`. */
export const ContactCreate = Schema.Struct({
  name: Name,
  email: Email,
  phone: Schema.optional(Contact.fields.phone.from)
})

/** The body of `PATCH /contacts/:id`: any field of the create body. */
export const ContactUpdate = Schema.partial(ContactCreate)

/** A business: the organisation that owns conversations. */
export const Business = Schema.Struct({
  id: Schema.UUID,
  name: Name,
  website: Schema.optional(Schema.String.pipe(Schema.maxLength(2048), Schema.pattern(/^https?:\/\/\S+$/))),
  createdAt: Schema.String
}).annotations({ identifier: "Business" })
export type Business = typeof Business.Type

/** The body of `POST /businesses`. */
export const BusinessCreate = Schema.Struct({ name: Name, website: Business.fields.website })

/** The body of `PATCH /businesses/:id`. */
export const BusinessUpdate = Schema.partial(BusinessCreate)

/** The channels a message travels on. */
export const Channel = Schema.Literal("sms", "email", "whatsapp")

/** A message sent to a contact. */
export const Message = Schema.Struct({
  id: Schema.UUID,
  contactId: Schema.UUID,
  channel: Channel,
  body: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(5000)),
  createdAt: Schema.String
}).annotations({ identifier: "Message" })
export type Message = typeof Message.Type

/** The body of `POST /messages`. */
export const MessageCreate = Schema.Struct({
  contactId: Schema.UUID,
  channel: Channel,
  body: Message.fields.body
})

/** The body of `PATCH /messages/:id`. */
export const MessageUpdate = Schema.partial(Schema.Struct({ body: Message.fields.body }))

/** `meta.pagination` of a list response. */
export const Pagination = Schema.Struct({
  limit: Schema.Int,
  offset: Schema.Int,
  hasMore: Schema.Boolean,
  total: Schema.Int
})

// `{}`: an empty struct's own JSON Schema (`anyOf` object or array, with an `$id`) repeats one
// `$id` per use, which OpenAPI 3.1 forbids, and has an array without `items`.
const NoMeta = Schema.Struct({}).annotations({
  jsonSchema: { type: "object", additionalProperties: false, description: "Nothing yet for a single resource" }
})

/** `{ data, meta }` of a single resource. */
export const One = <A, I, R>(data: Schema.Schema<A, I, R>) =>
  Schema.Struct({ data, meta: NoMeta })

/** `{ data, meta: { pagination } }` of a list. */
export const Many = <A, I, R>(data: Schema.Schema<A, I, R>) =>
  Schema.Struct({ data: Schema.Array(data), meta: Schema.Struct({ pagination: Pagination }) })
