/**
 * Authorization runs before the request is decoded: a key without the endpoint's scope is told
 * `INSUFFICIENT_PERMISSIONS` whatever it sent, so bad input teaches it nothing of the schemas;
 * with the scope, the same input is `VALIDATION_ERROR`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runServer } from "./support.js"

const post = (url: string, key: string, body: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body
    })
    return { status: response.status, body: await response.json() }
  })

describe("authorization before decoding", () => {
  it.live("a read-only key posting a bad body is INSUFFICIENT_PERMISSIONS, the admin key VALIDATION_ERROR", () =>
    Effect.gen(function*() {
      const running = yield* runServer
      const badBody = JSON.stringify({ name: 1, email: "not-an-email" })
      const refused = yield* post(`${running.baseUrl}/contacts`, running.keys.readOnly.key, badBody)
      expect(refused).toStrictEqual({
        status: 403,
        body: {
          error: {
            code: "INSUFFICIENT_PERMISSIONS",
            message: "This API key lacks the contacts:write scope",
            details: { scope: "contacts:write" }
          }
        }
      })
      // Not even JSON: still refused for the scope, not for the body.
      const notJson = yield* post(`${running.baseUrl}/contacts`, running.keys.readOnly.key, "{\"name\":")
      expect(notJson.status).toBe(403)
      // A bad path ID on an endpoint the key may not use: the scope is checked first too.
      const badId = yield* Effect.promise(async () => {
        const response = await fetch(`${running.baseUrl}/contacts/42`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${running.keys.readOnly.key}` }
        })
        return response.status
      })
      expect(badId).toBe(403)
      // An unknown key is UNAUTHORIZED before anything else.
      const stranger = yield* post(`${running.baseUrl}/contacts`, "sk_live_not-a-real-key", badBody)
      expect(stranger.status).toBe(401)
      // With the scope, the same body is a validation error, one issue per field.
      const invalid = yield* post(`${running.baseUrl}/contacts`, running.keys.admin.key, badBody)
      expect(invalid).toStrictEqual({
        status: 400,
        body: {
          error: {
            code: "VALIDATION_ERROR",
            message: "Request body failed validation",
            details: {
              issues: [
                { path: ["name"], message: "must be a string" },
                { path: ["email"], message: "must be a valid email address" }
              ]
            }
          }
        }
      })
    }).pipe(Effect.scoped), 30_000)
})
