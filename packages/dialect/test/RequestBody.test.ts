import { describe, expect, it } from "vitest"
import { RequestBody } from "@errata/dialect"

const encode = (text: string) => new TextEncoder().encode(text)

describe("RequestBody", () => {
  it("limits: 1 MiB and 64 levels by default, the options' own otherwise", () => {
    expect(RequestBody.defaultMaxBytes).toBe(1_048_576)
    expect(RequestBody.defaultMaxDepth).toBe(64)
    expect(RequestBody.limits({})).toEqual({ maxBytes: 1_048_576, maxDepth: 64 })
    expect(RequestBody.limits({ maxBodyBytes: 10, maxBodyDepth: 2 })).toEqual({ maxBytes: 10, maxDepth: 2 })
    expect(RequestBody.limits({ maxBodyBytes: undefined, maxBodyDepth: 3 })).toEqual({ maxBytes: 1_048_576, maxDepth: 3 })
  })

  it("fields: each refusal worded about the body as a whole, one issue at path []", () => {
    const issue = (message: string) => ({ issues: [{ path: [], message }] })
    expect(RequestBody.fields({ _tag: "TooLarge", limit: 1024 })).toEqual({
      message: "Request body is too large (limit 1024 bytes)",
      details: issue("The body must be at most 1024 bytes")
    })
    expect(RequestBody.fields({ _tag: "NotJsonType" })).toEqual({
      message: "Content-Type must be application/json",
      details: issue("Expected a body of type application/json")
    })
    expect(RequestBody.fields({ _tag: "NotUtf8" })).toEqual({
      message: "Request body is not valid UTF-8",
      details: issue("Expected UTF-8 text")
    })
    expect(RequestBody.fields({ _tag: "TooDeep", limit: 64 })).toEqual({
      message: "Request body is nested too deeply (limit 64 levels)",
      details: issue("Arrays and objects may nest at most 64 levels deep")
    })
  })

  it("fields: a fresh object each time, so that no two errors share their details", () => {
    const a = RequestBody.fields({ _tag: "NotUtf8" })
    const b = RequestBody.fields({ _tag: "NotUtf8" })
    expect(a).toEqual(b)
    expect(a.details).not.toBe(b.details)
  })

  it("closesConnection: only after a body too large, whose rest is left unread", () => {
    expect(RequestBody.closesConnection({ _tag: "TooLarge", limit: 1 })).toBe(true)
    for (const refusal of [{ _tag: "NotJsonType" }, { _tag: "NotUtf8" }, { _tag: "TooDeep", limit: 1 }] as const) {
      expect(RequestBody.closesConnection(refusal)).toBe(false)
    }
  })

  it("announcesBody: a Transfer-Encoding or a non-zero Content-Length", () => {
    expect(RequestBody.announcesBody({ "transfer-encoding": "chunked" })).toBe(true)
    expect(RequestBody.announcesBody({ "content-length": "1" })).toBe(true)
    expect(RequestBody.announcesBody({ "content-length": "0" })).toBe(false)
    expect(RequestBody.announcesBody({})).toBe(false)
    expect(RequestBody.announcesBody({ "content-type": "application/json" })).toBe(false)
  })

  it("isJsonContentType: application/json in any case, with any parameters", () => {
    for (const value of ["application/json", "Application/JSON", " application/json ; charset=utf-8", "application/json;x=y"]) {
      expect(RequestBody.isJsonContentType(value), value).toBe(true)
    }
    for (const value of [undefined, "", "text/plain", "application/jsonx", "application/json-patch+json", "multipart/form-data"]) {
      expect(RequestBody.isJsonContentType(value), String(value)).toBe(false)
    }
  })

  it("nestsDeeperThan: counts arrays and objects, skips strings and escapes", () => {
    expect(RequestBody.nestsDeeperThan(encode("[]"), 0)).toBe(true)
    expect(RequestBody.nestsDeeperThan(encode("1"), 0)).toBe(false)
    expect(RequestBody.nestsDeeperThan(encode('{"a":[{"b":[]}]}'), 4)).toBe(false)
    expect(RequestBody.nestsDeeperThan(encode('{"a":[{"b":[]}]}'), 3)).toBe(true)
    expect(RequestBody.nestsDeeperThan(encode('["[[[[", "\\"[[[["]'), 1)).toBe(false)
    expect(RequestBody.nestsDeeperThan(encode("[[],[],[]]"), 2)).toBe(false)
    expect(RequestBody.nestsDeeperThan(encode("[".repeat(65) + "]".repeat(65)), 64)).toBe(true)
    expect(RequestBody.nestsDeeperThan(encode("[".repeat(64) + "]".repeat(64)), 64)).toBe(false)
    // Multi-byte characters never hold the bytes of brackets or quotes.
    expect(RequestBody.nestsDeeperThan(encode('["é{[😀"]'), 1)).toBe(false)
  })

  it("nestsDeeperThan: a million levels in one linear pass, no stack", () => {
    const bytes = encode("[".repeat(1_000_000))
    expect(RequestBody.nestsDeeperThan(bytes, 64)).toBe(true)
    expect(RequestBody.nestsDeeperThan(bytes, 2_000_000)).toBe(false)
  })

  it("decode: empty is empty text; too deep before UTF-8; not UTF-8 refused, never replaced", () => {
    expect(RequestBody.decode(new Uint8Array(0), 0)).toBe("")
    expect(RequestBody.decode(encode('{"name":"Ada é"}'), 64)).toBe('{"name":"Ada é"}')
    expect(RequestBody.decode(new Uint8Array([0x22, 0xff, 0x22]), 64)).toEqual({ _tag: "NotUtf8" })
    expect(RequestBody.decode(new Uint8Array([0xc3]), 64)).toEqual({ _tag: "NotUtf8" })
    // Both wrong: the depth, the cheaper check, is the answer.
    expect(RequestBody.decode(new Uint8Array([0x5b, 0x5b, 0xff]), 1)).toEqual({ _tag: "TooDeep", limit: 1 })
    // Without a depth, none is checked.
    expect(RequestBody.decode(encode("[[[[]]]]"))).toBe("[[[[]]]]")
  })

  describe("Reading", () => {
    const json = { "content-type": "application/json" }

    it("refusal before a byte is read: a Content-Length over the limit first, then an announced type other than JSON", () => {
      expect(new RequestBody.Reading({ "content-length": "11", "content-type": "text/plain" }, 10).refusal).toEqual({
        _tag: "TooLarge",
        limit: 10
      })
      expect(new RequestBody.Reading({ "content-length": "5", "content-type": "text/plain" }, 10).refusal).toEqual({
        _tag: "NotJsonType"
      })
      expect(new RequestBody.Reading({ "transfer-encoding": "chunked" }, 10).refusal).toEqual({ _tag: "NotJsonType" })
      expect(new RequestBody.Reading({ ...json, "content-length": "10" }, 10).refusal).toBeUndefined()
      // A chunked body has no length to judge by: it is read.
      expect(new RequestBody.Reading({ ...json, "transfer-encoding": "chunked" }, 10).refusal).toBeUndefined()
      // No body announced: read, and its type checked once it is there.
      expect(new RequestBody.Reading({}, 10).refusal).toBeUndefined()
    })

    it("announced and json as the headers say", () => {
      const reading = new RequestBody.Reading({ ...json, "content-length": "2" }, 10)
      expect([reading.announced, reading.json, reading.maxBytes]).toEqual([true, true, 10])
      const bare = new RequestBody.Reading({}, 10)
      expect([bare.announced, bare.json]).toEqual([false, false])
    })

    it("add and end: the chunks in one array, in order", () => {
      const reading = new RequestBody.Reading({ ...json, "transfer-encoding": "chunked" }, 10)
      expect(reading.add([encode('{"a"'), encode(":")])).toBe(true)
      expect(reading.add([])).toBe(true)
      expect(reading.add([encode("1}")])).toBe(true)
      const body = reading.end()
      expect(body).toBeInstanceOf(Uint8Array)
      expect(new TextDecoder().decode(body as Uint8Array)).toBe('{"a":1}')
    })

    it("add: false once past the limit, exactly the limit is fine", () => {
      const exact = new RequestBody.Reading(json, 4)
      expect(exact.add([encode("[1,"), encode("2")])).toBe(true)
      expect(exact.add([encode("]")])).toBe(false)
      const one = new RequestBody.Reading(json, 4)
      expect(one.add([encode("[1,2]")])).toBe(false)
    })

    it("end: an empty body is empty whatever its type; an unannounced body not of JSON is refused", () => {
      expect(new RequestBody.Reading({}, 10).end()).toEqual(new Uint8Array(0))
      const plain = new RequestBody.Reading({ "content-type": "text/plain" }, 10)
      plain.add([encode("{}")])
      expect(plain.end()).toEqual({ _tag: "NotJsonType" })
      const untyped = new RequestBody.Reading({}, 10)
      untyped.add([encode("{}")])
      expect(untyped.end()).toEqual({ _tag: "NotJsonType" })
      const typed = new RequestBody.Reading(json, 10)
      typed.add([encode("{}")])
      expect(typed.end()).toEqual(encode("{}"))
    })
  })
})
