/**
 * The catalog: one row per error code of the API's dialect. It is the only place the facts of
 * SPEC.md §2 are written; each edition's error classes, unions, wire codec, server status map and
 * the docs table are all derived from it. `@errata/core` re-exports it as its `Catalog`.
 *
 * @since 0.1.0
 */

/**
 * The five families the API groups its codes into.
 *
 * @example
 * import type { Catalog } from "@errata/dialect"
 * const family: Catalog.Category = "rate limiting"
 *
 * @since 0.1.0
 * @category models
 */
export type Category = "authentication" | "validation" | "resource" | "rate limiting" | "server"

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

// The `_tag` of a code: its PascalCase form (`NOT_FOUND` → `NotFound`).
type TagOf<Code extends string> = Code extends `${infer Head}_${infer Rest}`
  ? `${Capitalize<Lowercase<Head>>}${TagOf<Rest>}`
  : Capitalize<Lowercase<Code>>

const tagOf = <Code extends string>(code: Code): TagOf<Code> =>
  // Boundary: the string built here is the one `TagOf` computes at the type level.
  code.toLowerCase().replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase()) as TagOf<Code>

// Each row with its `code` and `tag`, all as literal types.
type Entries = {
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
 * import { Catalog } from "@errata/dialect"
 * Catalog.entries.NOT_FOUND.status // 404
 *
 * @since 0.1.0
 * @category catalog
 */
export const entries: Entries = buildEntries()

// The overload is the boundary: Object.fromEntries forgets the keys, and each entry is exactly its
// row plus the code and tag derived from its key, which is what `Entries` says.
function buildEntries(): Entries
function buildEntries(): Readonly<Record<string, unknown>> {
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
 * @example
 * import type { Catalog } from "@errata/dialect"
 * const code: Catalog.Code = "NOT_FOUND"
 *
 * @since 0.1.0
 * @category models
 */
export type Code = keyof typeof entries

/**
 * The catalog row of a code, with every fact as a literal type; `Entry` alone is any row.
 *
 * @example
 * import type { Catalog } from "@errata/dialect"
 * type NotFoundStatus = Catalog.Entry<"NOT_FOUND">["status"] // 404
 *
 * @since 0.1.0
 * @category models
 */
export type Entry<C extends Code = Code> = Entries[C]

/**
 * An error `_tag` of the catalog: the PascalCase form of its code.
 *
 * @example
 * import type { Catalog } from "@errata/dialect"
 * const tag: Catalog.Tag = "NotFound"
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = Entry["tag"]

/**
 * Every row, in catalog order.
 *
 * @example
 * import { Catalog } from "@errata/dialect"
 * Catalog.all.filter((e) => e.transient).map((e) => e.code)
 * // ["RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]
 *
 * @since 0.1.0
 * @category catalog
 */
export const all: ReadonlyArray<Entry> = Object.values(entries)

/**
 * Every wire code, in catalog order.
 *
 * @example
 * import { Catalog } from "@errata/dialect"
 * Catalog.codes.includes("NOT_FOUND") // true
 *
 * @since 0.1.0
 * @category catalog
 */
export const codes: ReadonlyArray<Code> = all.map((e) => e.code)

const byCodeIndex: ReadonlyMap<string, Entry> = new Map(all.map((e) => [e.code, e]))

/**
 * The row of a wire code, or `undefined` for a code outside the catalog (drift such as
 * `RATE_LIMITED`).
 *
 * @example
 * import { Catalog } from "@errata/dialect"
 * Catalog.byCode("NOT_FOUND")?.tag // "NotFound"
 * Catalog.byCode("RATE_LIMITED") // undefined
 *
 * @since 0.1.0
 * @category catalog
 */
export const byCode = (code: string): Entry | undefined => byCodeIndex.get(code)
