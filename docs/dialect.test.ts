import { describe, expect, it } from "vitest"
import * as Basics from "./examples/dialect-basics.js"

describe("dialect docs examples", () => {
  it("basics: the README example computes what its comments say", () => {
    expect(Basics.transientCodes).toEqual(["RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"])
    expect(Basics.computed).toEqual([1000, 2000, 4000, undefined])
    expect(Basics.serversWord).toBe(7000)
    expect(Basics.reserve).toBe(100)
    expect(Basics.echoed).toEqual([true, false])
  })
})
