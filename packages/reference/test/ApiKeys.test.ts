import { describe, expect, it } from "@effect/vitest"
import { ApiKeys } from "@errata/reference"

const info = (name: string) => ({ key: ApiKeys.generate(), name, scopes: ["contacts:read"], tier: "pro" })

describe("ApiKeys", () => {
  it("a generated key is sk_live_ and 32 letters or digits", () => {
    expect(ApiKeys.generate()).toMatch(/^sk_live_[A-Za-z0-9]{32}$/)
  })

  it("parseDemoKeys reads what serve --json prints, and nothing else", () => {
    const keys = { admin: info("admin"), readOnly: info("read-only"), throttled: info("throttled") }
    expect(ApiKeys.parseDemoKeys(JSON.stringify(keys))).toStrictEqual(keys)
    for (const text of ["", "{", "null", "[]", "42", JSON.stringify({ admin: keys.admin }), JSON.stringify({ ...keys, readOnly: { ...keys.readOnly, scopes: [1] } })]) {
      expect(ApiKeys.parseDemoKeys(text), text).toBeUndefined()
    }
  })

  it("a registry finds the keys it issued, and no other", () => {
    const registry = ApiKeys.registry()
    const issued = registry.issue("admin", ["contacts:read"], "pro")
    expect(registry.lookup(issued.key)).toStrictEqual(issued)
    expect(registry.lookup(ApiKeys.generate())).toBeUndefined()
    expect(ApiKeys.registry().lookup(issued.key)).toBeUndefined()
  })
})
