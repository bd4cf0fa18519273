/**
 * What the reference API's OpenAPI document says of itself, written once: each edition's `Api`
 * annotates its definition with these.
 */

/** `info.title`. */
export const title = "errata reference API"

/** `info.version`. */
export const version = "0.1.0"

/** `info.description`: what every operation has in common. */
export const description = [
  "Contacts, businesses and messages, with the error dialect errata models.",
  "",
  "Every request authenticates with `Authorization: Bearer <key>`. Every error is JSON of the form",
  "`{ \"error\": { \"code\", \"message\", \"details\" } }`: programs branch on `code`, whose `details` are",
  "documented with each response. Every response carries `X-Request-ID` (quote it to support) and the",
  "`X-RateLimit-*` headers; a 429 says in `Retry-After` how many seconds to wait. 429, 500 and 503",
  "are worth retrying with backoff; the other errors fail the same way again."
].join("\n")

/** `info.license`. */
export const license = { name: "MIT", url: "https://opensource.org/licenses/MIT" } as const

/** `servers`: the document describes the server that serves it. */
export const servers = [{ url: "/", description: "The server that serves this document" }]

/** `info.contact`, pointing at the npm package of the edition that serves the document. */
export const contact = (npmPackage: string) => ({ name: "errata maintainers", url: `https://www.npmjs.com/package/${npmPackage}` })
