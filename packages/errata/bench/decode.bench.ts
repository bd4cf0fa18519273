/**
 * Decoding error bodies, Effect 4 edition: errata's total `Wire.decode` (builds the typed class,
 * keeps details, reads headers case-insensitively) against the baseline a hand-written client
 * would use, `JSON.parse` + a `switch` on the code that builds plain objects: the Effect 3
 * edition's `bench/decode.bench.ts`, same bodies and baseline. Bar: at least 0.5 of the
 * baseline's ops/s (DESIGN.md). Both run over the same twelve catalog bodies.
 *
 * Vitest 5 runs benchmarks inside tests (`bench` is a test fixture). The pair runs as A (1),
 * B (1), B (2), A (2), and the ratio printed is taken over the sums of the two runs of each, so
 * neither side gains from running second.
 *
 * Run: `bash scripts/bench-effect4.sh bench/decode.bench.ts` from the repository root.
 */
import { type Bench, type BenchResult, describe, test } from "vitest"
import { ApiError, Catalog, Wire } from "errata"

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

const hz = (result: BenchResult): number => 1000 / result.period

const abba = async (bench: Bench, nameA: string, a: () => void, nameB: string, b: () => void) => {
  const results = await bench.compare(
    bench(`${nameA} (1)`, a),
    bench(`${nameB} (1)`, b),
    bench(`${nameB} (2)`, b),
    bench(`${nameA} (2)`, a),
    { time: 1500, warmupTime: 300 }
  )
  const hzA = hz(results.get(`${nameA} (1)`)) + hz(results.get(`${nameA} (2)`))
  const hzB = hz(results.get(`${nameB} (1)`)) + hz(results.get(`${nameB} (2)`))
  console.log(`[ratio] decode: ${nameB} / ${nameA} = ${(hzB / hzA).toFixed(3)} (${Math.round(hzB / 2)} vs ${Math.round(hzA / 2)} ops/s)`)
}

describe("decode an error body (12 catalog bodies per op)", () => {
  test("errata Wire.decode against JSON.parse + switch (bar 0.5)", async ({ bench }) => {
    await abba(
      bench,
      "baseline: JSON.parse + switch",
      () => {
        for (const response of responses) sink = handWritten(response)
      },
      "errata: Wire.decode",
      () => {
        for (const response of responses) sink = Wire.decode(response)
      }
    )
  })
})

export const keep = () => sink
