/**
 * Builds an instance of an errata error class the way its constructor would, minus two costs a
 * decoded wire error has no use for: Schema's constructor bookkeeping (the props are already
 * checked by the decoder) and the JavaScript stack trace (the failure happened on the server; the
 * request ID is its trace, and Effect adds the span trace to the Cause). This is what keeps
 * `Wire.decode` within reach of a hand-written `JSON.parse` + `switch`.
 *
 * Catalog classes only: drift errors are rare and use their constructor. The instance is a genuine
 * `Error` (Reflect.construct gives it the internal error slot) with the class's prototype and the
 * same own properties `new Class(props, true)` gives; a test holds the two equal.
 */

// A writable view of V8's `Error.stackTraceLimit`, which Node's types declare as a number only.
const errorLimit: { stackTraceLimit: number | undefined } = Error

const bare = (ErrorClass: abstract new(...args: ReadonlyArray<never>) => unknown, message: unknown) => {
  const limit = errorLimit.stackTraceLimit
  // V8 skips stack capture entirely (not just its frames) while the limit is not a number: about
  // half the cost of `Error.stackTraceLimit = 0`. `stack` is then `undefined`, which Effect's
  // Cause rendering handles. The limit is restored before anything else can run.
  errorLimit.stackTraceLimit = undefined
  try {
    const self: Record<string, unknown> = Reflect.construct(Error, typeof message === "string" ? [message] : [], ErrorClass)
    return self
  } finally {
    errorLimit.stackTraceLimit = limit
  }
}

/** A catalog class, the decoder's hot path: fields set directly, no props object. */
export const instantiateCatalog = <A>(
  ErrorClass: abstract new(...args: ReadonlyArray<never>) => A,
  tag: string,
  message: string,
  details: unknown,
  requestId: string | undefined
): A => {
  const self = bare(ErrorClass, message)
  // The constructor's order (`_tag` last): Effect's structural hash depends on key order, and a
  // decoded error must be `Equal` to the same error built with `new`.
  if (details !== undefined) self["details"] = details
  if (requestId !== undefined) self["requestId"] = requestId
  self["_tag"] = tag
  // Boundary: `self` was constructed with `ErrorClass` as new.target and has its own properties.
  return self as A
}

/**
 * The JSON form of an errata error: its own fields plus `message`, which `Error` keeps
 * non-enumerable. Installed on every errata class's prototype.
 */
export function jsonOf(this: { readonly message: string }): Record<string, unknown> {
  return { ...this, message: this.message }
}
