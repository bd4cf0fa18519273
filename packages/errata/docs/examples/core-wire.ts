import { Schema } from "effect"
import { ApiError, Wire } from "errata"

// Decoding is total: documented bodies, bare bodies, unknown codes, HTML pages, bytes, nothing.
export const decoded = [
  Wire.decode({ status: 429, headers: { "Retry-After": "7" }, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "Slow down" } } }),
  Wire.decode({ status: 429, body: '{"code":"RATE_LIMITED","message":"Slow down"}' }),
  Wire.decode({ status: 502, headers: { "content-type": "text/html" }, body: "<html>Bad Gateway</html>" })
].map((e) => `${e._tag} transient=${ApiError.isTransient(e)}`)
// ["RateLimitExceeded transient=true", "UnknownApiError transient=true", "UnexpectedResponse transient=true"]

// One reader for the server's wait: `details.retryAfter`, else the Retry-After header of a transient error.
export const wait = ApiError.retryAfter(
  Wire.decode({ status: 503, headers: { "retry-after": "5" }, body: { code: "SERVICE_UNAVAILABLE", message: "Down" } })
)
// Duration.seconds(5)

// Encoding gives what a server writes: status, headers, enveloped body; the same bytes as the Effect 3 edition.
export const encoded = Wire.encode(new ApiError.RateLimitExceeded({ details: { retryAfter: 30 }, requestId: "req_1" }))
// { status: 429,
//   headers: { "content-type": "application/json", "x-request-id": "req_1", "retry-after": "30" },
//   body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 30 } } } }

// Per-code schemas transform the wire body to the class and back, for HttpApi or your own Schema code.
export const fromBody = Schema.decodeUnknownSync(Wire.schema("NOT_FOUND"))({
  error: { code: "NOT_FOUND", message: "Contact not found" }
})
