import { describe, expect, it } from "@effect/vitest"
import { cases, message } from "@errata/dialect/fixtures/golden"
import { ApiError, Catalog, Wire } from "errata"

// The bytes every edition writes (@errata/dialect's golden cases, taken from the Effect 3
// edition): `Wire.encode` is where this edition makes them. The body is what a server sends as it
// is: `JSON.stringify` of it.
describe("golden wire cases", () => {
  for (const code of Catalog.codes) {
    it(`${code}: Wire.encode writes the golden status, headers and body`, () => {
      const golden = cases[code]
      const error = ApiError.make(code, { message, ...(golden.details === undefined ? {} : { details: golden.details }) })
      const encoded = Wire.encode(error)
      const body = JSON.stringify(encoded.body)
      expect(encoded.status).toBe(golden.status)
      expect(body).toBe(golden.body)
      // Content-Length is the transport's, counted from the body; every other header is encode's.
      const { "content-length": contentLength, ...headers } = golden.headers
      expect(encoded.headers).toStrictEqual(headers)
      expect(String(new TextEncoder().encode(body).byteLength)).toBe(contentLength)
      // `new` writes the same bytes as `make`.
      expect(JSON.stringify(Wire.encode(new (classOf(code))({ message, ...(golden.details === undefined ? {} : { details: golden.details }) })).body))
        .toBe(golden.body)
    })
  }

  it("the golden bodies decode back to the errors that were raised", () => {
    for (const code of Catalog.codes) {
      const golden = cases[code]
      const decoded = Wire.decode({ status: golden.status, headers: golden.headers, body: golden.body })
      expect(decoded._tag).toBe(Catalog.entries[code].tag)
      expect(decoded.message).toBe(message)
      expect(Wire.encode(ApiError.make(code, decoded)).body).toStrictEqual(JSON.parse(golden.body))
    }
  })
})

const classOf = (code: Catalog.Code) => {
  const ErrorClass = ApiError.ApiError.members.find((member) => member.prototype.code === code)
  if (ErrorClass === undefined) return expect.unreachable(code)
  return ErrorClass
}
