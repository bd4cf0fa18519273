/**
 * API keys of the reference API: `sk_live_` plus 32 random characters, each with scopes and a rate
 * tier, and the three keys both demos start with.
 */
import * as Scopes from "./Scopes.js"

/** What a key may do, and how fast. */
export interface KeyInfo {
  readonly key: string
  readonly name: string
  readonly scopes: ReadonlyArray<string>
  /** A tier name of the rate limiter's tier map (`free`, `starter`, `pro`, or one of `Tiers.extra`). */
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

/** The keys a server has issued, in process memory. */
export interface Registry {
  /** Registers a new key with these scopes and tier, and returns it. */
  readonly issue: (name: string, scopes: ReadonlyArray<string>, tier: string) => KeyInfo
  readonly lookup: (key: string) => KeyInfo | undefined
}

/** An empty registry; each edition's `Keys` service wraps its two operations in its own `Effect.sync`. */
export const registry = (): Registry => {
  const keys = new Map<string, KeyInfo>()
  return {
    issue: (name, scopes, tier) => {
      const info: KeyInfo = { key: generate(), name, scopes, tier }
      keys.set(info.key, info)
      return info
    },
    lookup: (key) => keys.get(key)
  }
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

/** The name, scopes and tier of each demo key, in the order they are issued. */
export const demoKeys: { readonly [Role in keyof DemoKeys]: Omit<KeyInfo, "key"> } = {
  admin: { name: "admin", scopes: Scopes.all, tier: "pro" },
  readOnly: { name: "read-only", scopes: ["contacts:read"], tier: "pro" },
  throttled: { name: "throttled", scopes: Scopes.all, tier: "tiny" }
}

const isKeyInfo = (value: unknown): value is KeyInfo =>
  typeof value === "object" && value !== null && "key" in value && typeof value.key === "string" && "name" in value &&
  typeof value.name === "string" && "tier" in value && typeof value.tier === "string" && "scopes" in value &&
  Array.isArray(value.scopes) && value.scopes.every((scope) => typeof scope === "string")

/** The demo keys a server printed as JSON (`serve --json`), or `undefined` for any other text. */
export const parseDemoKeys = (text: string): DemoKeys | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== "object" || parsed === null) return undefined
  const { admin, readOnly, throttled } = { admin: undefined, readOnly: undefined, throttled: undefined, ...parsed }
  return isKeyInfo(admin) && isKeyInfo(readOnly) && isKeyInfo(throttled) ? { admin, readOnly, throttled } : undefined
}
