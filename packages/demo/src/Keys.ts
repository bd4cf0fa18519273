/**
 * API keys of the reference API: `sk_live_` plus 32 random characters, each with scopes and a rate
 * tier. Keys are made at start-up (and by tests); the service looks them up per request.
 */
import { Context, Effect, Layer, Option, Ref } from "effect"
import * as Scopes from "./Scopes.js"

/** What a key may do, and how fast. */
export interface KeyInfo {
  readonly key: string
  readonly name: string
  readonly scopes: ReadonlyArray<string>
  /** A tier name of the rate limiter's tier map (`free`, `starter`, `pro`, or a custom one). */
  readonly tier: string
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** A fresh key, `sk_live_` + 32 characters from a CSPRNG. */
export const generate = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  let out = "sk_live_"
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

/** The key registry. */
export class Keys extends Context.Tag("@errata/demo/Keys")<Keys, {
  /** Registers a new key with these scopes and tier, and returns it. */
  readonly issue: (name: string, scopes: ReadonlyArray<string>, tier: string) => Effect.Effect<KeyInfo>
  readonly lookup: (key: string) => Effect.Effect<Option.Option<KeyInfo>>
}>() {
  static readonly layer = Layer.effect(
    Keys,
    Effect.gen(function*() {
      const keys = yield* Ref.make(new Map<string, KeyInfo>())
      return {
        issue: (name, scopes, tier) =>
          Effect.gen(function*() {
            const info: KeyInfo = { key: generate(), name, scopes, tier }
            yield* Ref.update(keys, (map) => new Map(map).set(info.key, info))
            return info
          }),
        lookup: (key) => Effect.map(Ref.get(keys), (map) => Option.fromNullable(map.get(key)))
      }
    })
  )
}

/** The keys the demo starts with: what the tour and `serve`'s curl line use. */
export interface DemoKeys {
  /** Every scope, pro tier. */
  readonly admin: KeyInfo
  /** `contacts:read` only, pro tier: for INSUFFICIENT_PERMISSIONS. */
  readonly readOnly: KeyInfo
  /** Every scope, on a tiny tier: for RATE_LIMIT_EXCEEDED. */
  readonly throttled: KeyInfo
}

/** Issues the demo's keys. */
export const issueDemoKeys = Effect.gen(function*() {
  const keys = yield* Keys
  const admin = yield* keys.issue("admin", Scopes.all, "pro")
  const readOnly = yield* keys.issue("read-only", ["contacts:read"], "pro")
  const throttled = yield* keys.issue("throttled", Scopes.all, "tiny")
  const demo: DemoKeys = { admin, readOnly, throttled }
  return demo
})
