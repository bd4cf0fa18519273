/**
 * What the client learns about an error beyond its fields: the attempts it took, and the header
 * wait of an `UnexpectedResponse` the client built itself (a body cut at the bound or in a coding
 * it could not undo), which `Wire.decode` would otherwise have kept for `ApiError.retryAfter`. The
 * error classes are core's `Schema.TaggedError`s, whose fields are the wire contract; a `WeakMap`
 * carries the rest without widening those classes or keeping errors alive.
 *
 * `Effect.fail` inside a span hands on a proxy of the error that carries the span, so every key is
 * first taken back to the original object (`Cause.originalError`): the proxy and the error it
 * wraps share one entry.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import { globalValue } from "effect/GlobalValue"

interface Metadata {
  attempts?: number
  retryAfter?: Duration.Duration
}

// One registry per process even when two copies of this package are loaded.
const registry = globalValue("@errata/client/metadata", () => new WeakMap<object, Metadata>())

const keyOf = (error: unknown): object | undefined => {
  const original = Cause.originalError(error)
  return typeof original === "object" && original !== null ? original : undefined
}

const entry = (key: object): Metadata => {
  let found = registry.get(key)
  if (found === undefined) {
    found = {}
    registry.set(key, found)
  }
  return found
}

const lookup = (error: unknown): Metadata | undefined => {
  const key = keyOf(error)
  return key === undefined ? undefined : registry.get(key)
}

/** @internal */
export const setAttempts = (error: unknown, attempts: number): void => {
  const key = keyOf(error)
  if (key !== undefined) entry(key).attempts = attempts
}

/** @internal */
export const attempts = (error: unknown): number | undefined => lookup(error)?.attempts

/** @internal */
export const setRetryAfter = (error: unknown, wait: Duration.Duration): void => {
  const key = keyOf(error)
  if (key !== undefined) entry(key).retryAfter = wait
}

/** @internal */
export const retryAfter = (error: unknown): Duration.Duration | undefined => lookup(error)?.retryAfter
