import { Effect } from "effect"
import { ApiError } from "errata"

// Every code of the catalog is a class; `message` defaults to the catalog's.
const notFound = new ApiError.NotFound({ message: "Contact not found", details: { id: "550e8400-e29b-41d4-a716-446655440000" } })
const invalid = new ApiError.ValidationError({
  details: { issues: [{ path: ["addresses", 0, "zip"], message: "Expected 5 digits" }] }
})
const limited = new ApiError.RateLimitExceeded({ details: { retryAfter: 30 } })

export const facts = {
  status: notFound.status, // 404, from the catalog
  code: notFound.code, // "NOT_FOUND"
  category: notFound.category, // "resource"
  transient: limited.transient, // true: the client retries it
  firstIssue: invalid.issues[0]?.path, // ["addresses", 0, "zip"]
  wait: limited.retryAfter // Duration.seconds(30)
}

// They are yieldable errors: fail with them anywhere in an Effect program.
export const findContact = Effect.fn("findContact")(function*(id: string) {
  if (id !== "550e8400-e29b-41d4-a716-446655440000") return yield* new ApiError.NotFound({ message: "Contact not found" })
  return { id, name: "Ada" }
})
