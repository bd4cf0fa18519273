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

/**
 * The catalog as the contract writes it: one row per code, `[status, category, transient,
 * message]`. The `code` and `tag` of each entry are derived from its key.
 */
const rows = {
  UNAUTHORIZED: [401, "authentication", false, "API key missing or invalid"],
  INSUFFICIENT_PERMISSIONS: [403, "authentication", false, "API key is valid but lacks the needed scope"],
  VALIDATION_ERROR: [400, "validation", false, "Request body failed validation"],
  INVALID_INPUT: [400, "validation", false, "Query parameters or other input invalid"],
  MISSING_QUERY: [400, "validation", false, "A required query parameter is absent"],
  NOT_FOUND: [404, "resource", false, "The resource does not exist"],
  INVALID_MESSAGE_ID: [400, "resource", false, "Message ID is not a valid ID"],
  INVALID_CONTACT_ID: [400, "resource", false, "Contact ID is not a valid ID"],
  INVALID_BUSINESS_ID: [400, "resource", false, "Business ID is not a valid ID"],
  RATE_LIMIT_EXCEEDED: [429, "rate limiting", true, "Too many requests"],
  INTERNAL_ERROR: [500, "server", true, "Unexpected server error"],
  SERVICE_UNAVAILABLE: [503, "server", true, "Temporary outage"]
} as const satisfies Readonly<Record<string, readonly [number, Category, boolean, string]>>

type Rows = typeof rows

/**
 * The `_tag` of a code: its PascalCase form (`NOT_FOUND` → `NotFound`).
 *
 * @since 0.1.0
 * @category models
 */
export type TagOf<Code extends string> = Code extends `${infer Head}_${infer Rest}`
  ? `${Capitalize<Lowercase<Head>>}${TagOf<Rest>}`
  : Capitalize<Lowercase<Code>>

/**
 * The `_tag` of a code, at run time.
 *
 * @example
 * import { Catalog } from "@errata/core"
 * Catalog.tagOf("RATE_LIMIT_EXCEEDED") // "RateLimitExceeded"
 *
 * @since 0.1.0
 * @category catalog
 */
export const tagOf = <Code extends string>(code: Code): TagOf<Code> =>
  // Boundary: the string built here is the one `TagOf` computes at the type level.
  code.toLowerCase().replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase()) as TagOf<Code>

/**
 * The type of `entries`: each row with its `code` and `tag`, all as literal types.
 *
 * @since 0.1.0
 * @category models
 */
export type Entries = {
  readonly [C in keyof Rows]: {
    readonly code: C
    readonly tag: TagOf<C>
    readonly status: Rows[C][0]
    readonly category: Rows[C][1]
    readonly transient: Rows[C][2]
    readonly message: Rows[C][3]
  }
}

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
export const entries: Entries = buildEntries()

// The overload is the boundary: Object.fromEntries forgets the keys, and each entry is exactly its
// row plus the code and tag derived from its key, which is what `Entries` says.
function buildEntries(): Entries
function buildEntries(): Readonly<Record<string, Entry>> {
  return Object.fromEntries(
    Object.entries(rows).map(([code, [status, category, transient, message]]) => [
      code,
      { code, tag: tagOf(code), status, category, transient, message }
    ])
  )
}

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
