import { gzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { ContentCoding } from "@errata/dialect"

describe("ContentCoding", () => {
  it("reads the codings of a header in the order they are undone, x-gzip as gzip, identity left out", () => {
    expect(ContentCoding.parse("gzip, br")).toEqual(["br", "gzip"])
    expect(ContentCoding.parse(" X-GZIP , identity")).toEqual(["gzip"])
    expect(ContentCoding.parse(undefined)).toEqual([])
  })

  it("tells a body still in its coding from one a fetch client decoded already", () => {
    const json = new TextEncoder().encode('{"error":{"code":"NOT_FOUND"}}')
    expect(ContentCoding.isEncoded("gzip", gzipSync(json))).toBe(true)
    expect(ContentCoding.isEncoded("gzip", json)).toBe(false)
    expect(ContentCoding.isEncoded("br", json)).toBe(false)
    expect(ContentCoding.isText(Uint8Array.from([0xff, 0x00]))).toBe(false)
  })

  it("decodes gzip as a stream, and knows no decoder for a coding it does not know", async () => {
    const body = '{"error":{"code":"NOT_FOUND","message":"Contact not found"}}'
    const decoder = await ContentCoding.openDecoder("gzip", undefined)
    if (decoder === undefined) return expect.unreachable()
    const text = await new Response(new Response(gzipSync(body)).body?.pipeThrough(decoder)).text()
    expect(text).toBe(body)
    expect(await ContentCoding.openDecoder("x-squeeze", undefined)).toBeUndefined()
  })

  it("concatenates at most size bytes", () => {
    expect(ContentCoding.concat([Uint8Array.from([1, 2]), Uint8Array.from([3, 4])], 3)).toEqual(Uint8Array.from([1, 2, 3]))
  })
})
