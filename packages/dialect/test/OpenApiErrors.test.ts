import { describe, expect, it } from "vitest"
import { OpenApiErrors } from "@errata/dialect"

const document = {
  openapi: "3.1.0",
  paths: {
    "/contacts": {
      post: {
        requestBody: { content: { "application/json": { schema: { type: "object" } } } },
        responses: {
          "201": { description: "Created" },
          "400": { description: "Bad", content: { "application/json": { schema: { $ref: "#/components/schemas/PlatformError" } } } }
        }
      }
    }
  },
  components: {
    schemas: {
      PlatformError: { type: "object", properties: { issues: { type: "array", items: { $ref: "#/components/schemas/Issue" } } } },
      Issue: { type: "object" },
      Kept: { type: "string" }
    }
  }
}

describe("OpenApiErrors.rewrite", () => {
  it("drops a platform body and what only it used, and lists the codes the middleware answers", () => {
    const out = OpenApiErrors.rewrite(document, ["PlatformError"])
    const text = JSON.stringify(out)
    expect(text).not.toContain("PlatformError")
    expect(text).not.toContain("#/components/schemas/Issue")
    expect(out["components"]).toEqual(expect.objectContaining({ schemas: { Kept: { type: "string" } } }))
    // A body means VALIDATION_ERROR; INTERNAL_ERROR is always possible; X-Request-ID on every response.
    expect(text).toContain("VALIDATION_ERROR")
    expect(text).toContain("INTERNAL_ERROR")
    expect(text).toContain("#/components/headers/X-Request-ID")
  })
})
