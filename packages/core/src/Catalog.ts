/**
 * The catalog: one row per error code of the API's dialect. It is the only place the facts of
 * SPEC.md §2 are written; the error classes, unions, wire codec, server status map and docs
 * table are all derived from it.
 *
 * @since 0.1.0
 */

/**
 * The five families the API groups its codes into.
 *
 * @since 0.1.0
 * @category models
 */
export type Category = "authentication" | "validation" | "resource" | "rate limiting" | "server"

/**
 * One row of the catalog.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  /** The machine-readable wire code programs branch on. */
  readonly code: string
  /** The `_tag` of the error class: the PascalCase form of the code. */
  readonly tag: string
  /** The HTTP status the API answers with. */
  readonly status: number
  readonly category: Category
  /** Whether the same request may succeed later, and so is retried. */
  readonly transient: boolean
  /** The default human message, also the meaning column of the docs table. */
  readonly message: string
}

const entry = <const E extends Entry>(e: E): E => e

/**
 * The catalog, keyed by wire code.
 *
 * @example
 * import { Catalog } from "@errata/core"
 * Catalog.entries.NOT_FOUND.status // 404
 *
 * @since 0.1.0
 * @category catalog
 */
export const entries = {
  UNAUTHORIZED: entry({
    code: "UNAUTHORIZED",
    tag: "Unauthorized",
    status: 401,
    category: "authentication",
    transient: false,
    message: "API key missing or invalid"
  }),
  INSUFFICIENT_PERMISSIONS: entry({
    code: "INSUFFICIENT_PERMISSIONS",
    tag: "InsufficientPermissions",
    status: 403,
    category: "authentication",
    transient: false,
    message: "API key is valid but lacks the needed scope"
  }),
  VALIDATION_ERROR: entry({
    code: "VALIDATION_ERROR",
    tag: "ValidationError",
    status: 400,
    category: "validation",
    transient: false,
    message: "Request body failed validation"
  }),
  INVALID_INPUT: entry({
    code: "INVALID_INPUT",
    tag: "InvalidInput",
    status: 400,
    category: "validation",
    transient: false,
    message: "Query parameters or other input invalid"
  }),
  MISSING_QUERY: entry({
    code: "MISSING_QUERY",
    tag: "MissingQuery",
    status: 400,
    category: "validation",
    transient: false,
    message: "A required query parameter is absent"
  }),
  NOT_FOUND: entry({
    code: "NOT_FOUND",
    tag: "NotFound",
    status: 404,
    category: "resource",
    transient: false,
    message: "The resource does not exist"
  }),
  INVALID_MESSAGE_ID: entry({
    code: "INVALID_MESSAGE_ID",
    tag: "InvalidMessageId",
    status: 400,
    category: "resource",
    transient: false,
    message: "Message ID is not a valid ID"
  }),
  INVALID_CONTACT_ID: entry({
    code: "INVALID_CONTACT_ID",
    tag: "InvalidContactId",
    status: 400,
    category: "resource",
    transient: false,
    message: "Contact ID is not a valid ID"
  }),
  INVALID_BUSINESS_ID: entry({
    code: "INVALID_BUSINESS_ID",
    tag: "InvalidBusinessId",
    status: 400,
    category: "resource",
    transient: false,
    message: "Business ID is not a valid ID"
  }),
  RATE_LIMIT_EXCEEDED: entry({
    code: "RATE_LIMIT_EXCEEDED",
    tag: "RateLimitExceeded",
    status: 429,
    category: "rate limiting",
    transient: true,
    message: "Too many requests"
  }),
  INTERNAL_ERROR: entry({
    code: "INTERNAL_ERROR",
    tag: "InternalError",
    status: 500,
    category: "server",
    transient: true,
    message: "Unexpected server error"
  }),
  SERVICE_UNAVAILABLE: entry({
    code: "SERVICE_UNAVAILABLE",
    tag: "ServiceUnavailable",
    status: 503,
    category: "server",
    transient: true,
    message: "Temporary outage"
  })
} as const

/**
 * A wire code of the catalog.
 *
 * @since 0.1.0
 * @category models
 */
export type Code = keyof typeof entries

/**
 * The catalog row of a code.
 *
 * @since 0.1.0
 * @category models
 */
export type EntryOf<C extends Code> = (typeof entries)[C]

/**
 * An error `_tag` of the catalog.
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = EntryOf<Code>["tag"]

/**
 * Every row, in catalog order.
 *
 * @since 0.1.0
 * @category catalog
 */
export const all: ReadonlyArray<EntryOf<Code>> = Object.values(entries)

/**
 * Every wire code, in catalog order.
 *
 * @since 0.1.0
 * @category catalog
 */
export const codes: ReadonlyArray<Code> = all.map((e) => e.code)

/**
 * Every category, in catalog order.
 *
 * @since 0.1.0
 * @category catalog
 */
export const categories: ReadonlyArray<Category> = [...new Set(all.map((e) => e.category))]

const byCodeIndex: ReadonlyMap<string, EntryOf<Code>> = new Map(all.map((e) => [e.code, e]))
const byTagIndex: ReadonlyMap<string, EntryOf<Code>> = new Map(all.map((e) => [e.tag, e]))

/**
 * Whether a string is one of the catalog's wire codes.
 *
 * @example
 * import { Catalog } from "@errata/core"
 * Catalog.isCode("NOT_FOUND") // true
 * Catalog.isCode("RATE_LIMITED") // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isCode = (u: unknown): u is Code => typeof u === "string" && byCodeIndex.has(u)

/**
 * The row of a wire code, or `undefined` for a code outside the catalog.
 *
 * @since 0.1.0
 * @category catalog
 */
export const byCode = (code: string): EntryOf<Code> | undefined => byCodeIndex.get(code)

/**
 * The row of an error `_tag`, or `undefined` for a tag outside the catalog.
 *
 * @since 0.1.0
 * @category catalog
 */
export const byTag = (tag: string): EntryOf<Code> | undefined => byTagIndex.get(tag)
