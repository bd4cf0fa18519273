/**
 * What the client learns about an error beyond its fields: the attempts it took. The error
 * classes are core's, whose fields are the wire contract; a `WeakMap` carries the count without
 * widening those classes or keeping errors alive.
 *
 * Effect 4 no longer wraps a failure raised inside a span in a proxy (Effect 3 did, and this
 * module took every key back to the original with `Cause.originalError`): the error a program
 * catches is the object the client recorded.
 *
 * @internal
 */

// One registry per process even when two copies of this package are loaded: Effect 4 has no
// `GlobalValue`, so the registry lives on `globalThis` under a registered symbol.
const registryKey = Symbol.for("errata/client/attempts")

const makeRegistry = (): WeakMap<object, number> => {
  const existing: unknown = Reflect.get(globalThis, registryKey)
  if (existing instanceof WeakMap) return existing
  const registry = new WeakMap<object, number>()
  Reflect.set(globalThis, registryKey, registry)
  return registry
}

const registry = makeRegistry()

/** @internal */
export const set = (error: unknown, attempts: number): void => {
  if (typeof error === "object" && error !== null) registry.set(error, attempts)
}

/** @internal */
export const get = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null ? registry.get(error) : undefined
