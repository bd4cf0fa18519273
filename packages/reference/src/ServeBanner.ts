/**
 * What each demo's `serve` prints for a person: where the reference API listens, its keys, and two
 * requests to paste.
 */
import type { DemoKeys } from "./ApiKeys.js"

/** The banner of a server of `edition` at `base`. */
export const banner = (edition: string, base: string, keys: DemoKeys): string =>
  [
    `errata reference API (${edition}) listening on ${base}`,
    `  OpenAPI: ${base}/openapi.json   docs (Scalar): ${base}/docs`,
    `  keys: admin ${keys.admin.key}`,
    `        read-only ${keys.readOnly.key}`,
    `        throttled ${keys.throttled.key}`,
    "",
    "Try:",
    `  curl -i -H "Authorization: Bearer ${keys.admin.key}" ${base}/contacts/not-a-uuid`,
    `  curl -i -H "Authorization: Bearer ${keys.admin.key}" -H "Content-Type: application/json" -d '{"name":"Ada","email":"ada@example.com"}' ${base}/contacts`
  ].join("\n")
