/**
 * The reference API's key registry (the keys are `@errata/reference`'s `ApiKeys`). Keys are made at
 * start-up (and by tests); the service looks them up per request.
 */
import { ApiKeys } from "@errata/reference"
import { Context, Effect, Layer, Option } from "effect"

/** The key registry. */
export class Keys extends Context.Service<Keys, {
  /** Registers a new key with these scopes and tier, and returns it. */
  readonly issue: (name: string, scopes: ReadonlyArray<string>, tier: string) => Effect.Effect<ApiKeys.KeyInfo>
  readonly lookup: (key: string) => Effect.Effect<Option.Option<ApiKeys.KeyInfo>>
}>()("@errata/demo-effect4/Keys") {
  /** An empty registry, in process memory. */
  static readonly layer = Layer.sync(Keys, () => {
    const registry = ApiKeys.registry()
    return Keys.of({
      issue: (name, scopes, tier) => Effect.sync(() => registry.issue(name, scopes, tier)),
      lookup: (key) => Effect.sync(() => Option.fromNullishOr(registry.lookup(key)))
    })
  })
}

/** Issues the demo's keys (`ApiKeys.demoKeys`). */
export const issueDemoKeys: Effect.Effect<ApiKeys.DemoKeys, never, Keys> = Effect.gen(function*() {
  const keys = yield* Keys
  const { admin, readOnly, throttled } = ApiKeys.demoKeys
  return {
    admin: yield* keys.issue(admin.name, admin.scopes, admin.tier),
    readOnly: yield* keys.issue(readOnly.name, readOnly.scopes, readOnly.tier),
    throttled: yield* keys.issue(throttled.name, throttled.scopes, throttled.tier)
  }
})
