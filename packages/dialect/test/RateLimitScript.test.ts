import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { RateLimitScript } from "@errata/dialect"

describe("RateLimitScript", () => {
  it("the token bucket's arguments: tokens, refill ms, limit, overflow flag", () => {
    expect(RateLimitScript.tokenBucketArguments({ tokens: 1, refillMillis: 400, limit: 150, allowOverflow: false })).toEqual([1, 400, 150, "0"])
    expect(RateLimitScript.tokenBucketArguments({ tokens: 3, refillMillis: 0.5, limit: 10, allowOverflow: true })).toEqual([3, 0.5, 10, "1"])
  })

  it("the fixed window's arguments: tokens, refill ms, and the limit only when there is one", () => {
    expect(RateLimitScript.fixedWindowArguments({ tokens: 1, refillMillis: 600, limit: 100 })).toEqual([1, 600, 100])
    expect(RateLimitScript.fixedWindowArguments({ tokens: 1, refillMillis: 600, limit: undefined })).toEqual([1, 600])
  })

  it("the scripts read the one key and the arguments their layout names, and nothing more", () => {
    const uses = (script: string, name: "KEYS" | "ARGV") =>
      [...new Set([...script.matchAll(new RegExp(`${name}\\[(\\d+)\\]`, "g"))].map((m) => Number(m[1])))].sort()
    expect(uses(RateLimitScript.tokenBucket, "KEYS")).toEqual([1])
    expect(uses(RateLimitScript.tokenBucket, "ARGV")).toEqual([1, 2, 3, 4])
    expect(uses(RateLimitScript.fixedWindow, "KEYS")).toEqual([1])
    expect(uses(RateLimitScript.fixedWindow, "ARGV")).toEqual([1, 2, 3])
  })

  it("the token bucket expires its hash, on Redis's clock", () => {
    expect(RateLimitScript.tokenBucket).toContain('redis.call("TIME")')
    expect(RateLimitScript.tokenBucket).toContain('redis.call("PEXPIRE", KEYS[1]')
  })

  it("key: the prefix and the SHA-256 of the bucket key in hex, so the API key never reaches Redis", async () => {
    const apiKey = "sk_live_0123456789"
    const key = await RateLimitScript.key("contacts-api:", apiKey)
    expect(key).toBe(`contacts-api:${createHash("sha256").update(apiKey).digest("hex")}`)
    expect(key).not.toContain(apiKey)
    expect(await RateLimitScript.key("", "é")).toBe(createHash("sha256").update("é", "utf8").digest("hex"))
  })

  it("sha: the SHA-1 EVALSHA names a script by", async () => {
    for (const script of [RateLimitScript.tokenBucket, RateLimitScript.fixedWindow]) {
      expect(await RateLimitScript.sha(script)).toBe(createHash("sha1").update(script).digest("hex"))
    }
  })
})
