import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { RateLimitScript } from "@errata/dialect"

describe("RateLimitScript: evaluation and replies", () => {
  it("prepare: the script and its SHA-1", async () => {
    const script = await RateLimitScript.prepare(RateLimitScript.tokenBucket)
    expect(script).toEqual({
      lua: RateLimitScript.tokenBucket,
      sha: createHash("sha1").update(RateLimitScript.tokenBucket).digest("hex")
    })
  })

  it("isNoScript: Redis's NOSCRIPT error only", () => {
    expect(RateLimitScript.isNoScript(new Error("NOSCRIPT No matching script. Please use EVAL."))).toBe(true)
    expect(RateLimitScript.isNoScript(new Error("ERR wrong number of arguments"))).toBe(false)
    expect(RateLimitScript.isNoScript("NOSCRIPT")).toBe(false)
    expect(RateLimitScript.isNoScript(null)).toBe(false)
  })

  const client = (evalsha: (...args: Array<unknown>) => Promise<unknown>) => {
    const calls: Array<ReadonlyArray<unknown>> = []
    const redis: RateLimitScript.Client = {
      evalsha: (...args) => {
        calls.push(["evalsha", ...args])
        return evalsha(...args)
      },
      eval: (...args) => {
        calls.push(["eval", ...args])
        return Promise.resolve("by eval")
      }
    }
    return { calls, redis }
  }
  const script: RateLimitScript.Script = { lua: "return 1", sha: "e0e1f9fabfc9d4800c877a703b823ac0578ff8db" }

  it("evaluate: EVALSHA on the one key, and nothing more when Redis knows the script", async () => {
    const { calls, redis } = client(() => Promise.resolve(7))
    expect(await RateLimitScript.evaluate(redis, script, "k", [1, 600, "0"])).toBe(7)
    expect(calls).toEqual([["evalsha", script.sha, 1, "k", 1, 600, "0"]])
  })

  it("evaluate: on NOSCRIPT the script itself, once; other errors as they are", async () => {
    const forgot = client(() => Promise.reject(new Error("NOSCRIPT No matching script")))
    expect(await RateLimitScript.evaluate(forgot.redis, script, "k", [1])).toBe("by eval")
    expect(forgot.calls).toEqual([["evalsha", script.sha, 1, "k", 1], ["eval", script.lua, 1, "k", 1]])
    const down = client(() => Promise.reject(new Error("Connection is closed.")))
    await expect(RateLimitScript.evaluate(down.redis, script, "k", [])).rejects.toThrow("Connection is closed.")
    expect(down.calls).toHaveLength(1)
  })

  it("tokenBucketReply: an integer reply only", () => {
    expect(RateLimitScript.tokenBucketReply(149)).toBe(149)
    expect(RateLimitScript.tokenBucketReply(-1)).toBe(-1)
    for (const reply of ["149", null, undefined, [1], { tokens: 1 }]) {
      expect(RateLimitScript.tokenBucketReply(reply)).toBeUndefined()
    }
  })

  it("fixedWindowReply: two integers only", () => {
    expect(RateLimitScript.fixedWindowReply([3, 1200])).toEqual([3, 1200])
    expect(RateLimitScript.fixedWindowReply([3, 1200, 5])).toEqual([3, 1200])
    for (const reply of [null, 3, [3], [3, "1200"], ["3", 1200], "3,1200"]) {
      expect(RateLimitScript.fixedWindowReply(reply)).toBeUndefined()
    }
  })

  it("unexpectedReply: the reply as JSON in the message", () => {
    expect(RateLimitScript.unexpectedReply("OK")).toBe('Unexpected reply from the Redis rate-limit script: "OK"')
    expect(RateLimitScript.unexpectedReply([1, null])).toBe("Unexpected reply from the Redis rate-limit script: [1,null]")
    expect(RateLimitScript.unexpectedReply(undefined)).toBe("Unexpected reply from the Redis rate-limit script: undefined")
  })
})
