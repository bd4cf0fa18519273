/**
 * Renders docs/errors.md from the catalog, so the table users read can never disagree with the
 * code. `pnpm docs:errors` writes it; docs/errors.test.ts fails when the committed file is stale.
 */
import { Catalog } from "@errata/core"

const header = `# Error codes

<!-- Generated from packages/core/src/Catalog.ts by \`pnpm docs:errors\`. Do not edit by hand. -->

Every error the API answers with, as errata models it. \`code\` is what the wire carries and what
programs branch on; \`tag\` is the \`_tag\` of the error class in \`@errata/core\`'s \`ApiError\`
module (\`ApiError.NotFound\`, ...), the key you use with \`Effect.catchTags\`. "Retried" means
\`@errata/client\` retries it with exponential backoff (SPEC.md §5).
`

const footer = `
Outside the catalog, for responses that do not follow the contract (SPEC.md §7):

| tag | when | retried |
|---|---|---|
| \`UnknownApiError\` | a well-formed error body with a code not in the table above; code, status, message and details are kept | yes for status 429 and 5xx |
| \`UnexpectedResponse\` | a body that is not the error format (HTML, empty, truncated, an array, ...); status, request ID, content type and a bounded excerpt are kept | yes for status 500, 502, 503, 504 |
`

/** The whole of docs/errors.md. */
export const render = (): string => {
  const rows = Catalog.all.map(
    (e) =>
      `| \`${e.code}\` | \`${e.tag}\` | ${e.status} | ${e.category} | ${e.transient ? "yes" : "no"} | ${e.message} |`
  )
  return [
    header,
    "| code | tag | status | category | retried | meaning |",
    "|---|---|---|---|---|---|",
    ...rows,
    footer
  ].join("\n")
}
