/**
 * Decoding error bodies: errata's total `Wire.decode` (builds the typed class, keeps details,
 * reads headers case-insensitively) against the baseline a hand-written client would use,
 * `JSON.parse` + a `switch` on the code that builds plain objects. Bar: at least 0.5 of the
 * baseline's ops/s (DESIGN.md). Both run over the same twelve catalog bodies.
 */
import { bench, describe } from "vitest"
import { ApiError, Catalog, Wire } from "@errata/core"

const responses = Catalog.all.map((entry) => {
  const encoded = Wire.encode(
    ApiError.make(entry.code, { message: `${entry.message} (bench)`, details: { id: "550e8400-e29b-41d4-a716-446655440000" }, requestId: "req_bench" })
  )
  return { status: encoded.status, headers: encoded.headers, body: JSON.stringify(encoded.body) }
})

interface HandDecoded {
  readonly kind: string
  readonly status: number
  readonly message: string
  readonly details: unknown
  readonly requestId: string | undefined
}

// The baseline: what a careful hand-written decoder does, without classes or drift handling.
const handWritten = (response: (typeof responses)[number]): HandDecoded => {
  let parsed: { error?: { code?: unknown; message?: unknown; details?: unknown } }
  try {
    parsed = JSON.parse(response.body)
  } catch {
    return { kind: "unexpected", status: response.status, message: "", details: undefined, requestId: undefined }
  }
  const error = parsed.error ?? {}
  const message = typeof error.message === "string" ? error.message : ""
  const requestId = response.headers["x-request-id"]
  switch (error.code) {
    case "UNAUTHORIZED":
    case "INSUFFICIENT_PERMISSIONS":
    case "VALIDATION_ERROR":
    case "INVALID_INPUT":
    case "MISSING_QUERY":
    case "NOT_FOUND":
    case "INVALID_MESSAGE_ID":
    case "INVALID_CONTACT_ID":
    case "INVALID_BUSINESS_ID":
    case "RATE_LIMIT_EXCEEDED":
    case "INTERNAL_ERROR":
    case "SERVICE_UNAVAILABLE":
      return { kind: error.code, status: response.status, message, details: error.details, requestId }
    default:
      return { kind: "unknown", status: response.status, message, details: error.details, requestId }
  }
}

let sink: unknown

describe("decode an error body (12 catalog bodies per op)", () => {
  bench("baseline: JSON.parse + switch", () => {
    for (const response of responses) sink = handWritten(response)
  })
  bench("errata: Wire.decode", () => {
    for (const response of responses) sink = Wire.decode(response)
  })
})

export const keep = () => sink
