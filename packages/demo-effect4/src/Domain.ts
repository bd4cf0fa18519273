/**
 * The reference API's resources: contacts, businesses and messages, with UUID ids and
 * Schema-validated request bodies, as the Effect 3 edition's `Domain.ts` declares them.
 */
import { Schema, Struct } from "effect"

const Name = Schema.Trim.check(Schema.isMinLength(1), Schema.isMaxLength(200))

// Lengths are checked before patterns, and a failed length stops the checks (`abort`), so a
// pattern never sees more than 320 characters. The pattern is linear anyway (labels hold no dot,
// so there is one way to split a domain), as `regexp/no-super-linear-backtracking` checks.
const Email = Schema.String.check(
  Schema.isMaxLength(320).abort(),
  Schema.isPattern(/^[^\s@]+@[^\s.@]+(?:\.[^\s.@]+)+$/u, { message: "must be a valid email address" })
)

// The shape of a UUID, version and variant bits unchecked, as Effect 3's `Schema.UUID` accepts
// (Effect 4's `isUUID` checks those bits; `isGUID` does not).
const Uuid = Schema.String.check(Schema.isGUID())

const Phone = Schema.String.check(Schema.isPattern(/^\+?[0-9 ()-]{5,20}$/u))

const Website = Schema.String.check(Schema.isMaxLength(2048).abort(), Schema.isPattern(/^https?:\/\/\S+$/u))

/** A contact: someone the business talks to. */
export const Contact = Schema.Struct({
  id: Uuid,
  name: Name,
  email: Email,
  phone: Schema.optionalKey(Phone),
  createdAt: Schema.String
}).annotate({ identifier: "Contact" })
/** A contact, as the store holds it. */
export type Contact = typeof Contact.Type

/** The body of `POST /contacts`. */
export const ContactCreate = Schema.Struct({ name: Name, email: Email, phone: Schema.optionalKey(Phone) })

/** The body of `PATCH /contacts/:id`: any field of the create body. */
export const ContactUpdate = ContactCreate.mapFields(Struct.map(Schema.optionalKey))

/** A business: the organisation that owns conversations. */
export const Business = Schema.Struct({
  id: Uuid,
  name: Name,
  website: Schema.optionalKey(Website),
  createdAt: Schema.String
}).annotate({ identifier: "Business" })
/** A business, as the store holds it. */
export type Business = typeof Business.Type

/** The body of `POST /businesses`. */
export const BusinessCreate = Schema.Struct({ name: Name, website: Schema.optionalKey(Website) })

/** The body of `PATCH /businesses/:id`. */
export const BusinessUpdate = BusinessCreate.mapFields(Struct.map(Schema.optionalKey))

/** The channels a message travels on. */
export const Channel = Schema.Literals(["sms", "email", "whatsapp"])

const MessageBody = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(5000))

/** A message sent to a contact. */
export const Message = Schema.Struct({
  id: Uuid,
  contactId: Uuid,
  channel: Channel,
  body: MessageBody,
  createdAt: Schema.String
}).annotate({ identifier: "Message" })
/** A message, as the store holds it. */
export type Message = typeof Message.Type

/** The body of `POST /messages`. */
export const MessageCreate = Schema.Struct({ contactId: Uuid, channel: Channel, body: MessageBody })

/** The body of `PATCH /messages/:id`. */
export const MessageUpdate = Schema.Struct({ body: Schema.optionalKey(MessageBody) })

/** `meta.pagination` of a list response. */
export const Pagination = Schema.Struct({
  limit: Schema.Int,
  offset: Schema.Int,
  hasMore: Schema.Boolean,
  total: Schema.Int
})

// `{}`: Effect 4 writes an empty struct's JSON Schema as a plain object (Effect 3's needed a
// hand-written one), so only the description is added.
const NoMeta = Schema.Struct({}).annotate({ description: "Nothing yet for a single resource" })

/** `{ data, meta }` of a single resource. */
export const One = <S extends Schema.Top>(data: S) => Schema.Struct({ data, meta: NoMeta })

/** `{ data, meta: { pagination } }` of a list. */
export const Many = <S extends Schema.Top>(data: S) =>
  Schema.Struct({ data: Schema.Array(data), meta: Schema.Struct({ pagination: Pagination }) })
