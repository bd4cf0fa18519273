/**
 * What the client learns about an error beyond its fields: the attempts it took. The error
 * classes are core's `Schema.TaggedError`s, whose fields are the wire contract; a `WeakMap`
 * carries the count without widening those classes or keeping errors alive.
 *
 * `Effect.fail` inside a span hands on a proxy of the error that carries the span, so every key is
 * first taken back to the original object (`Cause.originalError`): the proxy and the error it
 * wraps share one entry.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import { globalValue } from "effect/GlobalValue"

// One registry per process even when two copies of this package are loaded.
const registry = globalValue("@errata/client/attempts", () => new WeakMap<object, number>())

const keyOf = (error: unknown): object | undefined => {
  const original = Cause.originalError(error)
  return typeof original === "object" && original !== null ? original : undefined
}

/** @internal */
export const set = (error: unknown, attempts: number): void => {
  const key = keyOf(error)
  if (key !== undefined) registry.set(key, attempts)
}

/** @internal */
export const get = (error: unknown): number | undefined => {
  const key = keyOf(error)
  return key === undefined ? undefined : registry.get(key)
}
