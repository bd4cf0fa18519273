/** What the client logs and the spans it makes, recorded for the tests to read. */
import { Effect, Layer, Logger, Option, References, Tracer } from "effect"

interface Recorded {
  readonly name: string
  readonly attributes: ReadonlyMap<string, unknown>
  readonly parent: string | undefined
}

/** A tracer that records every span the native tracer makes, to read names, parents and attributes. */
export const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span(options) {
      const span = native.span(options)
      spans.push(span)
      return span
    },
    ...(native.context === undefined ? {} : { context: native.context })
  })
  const recorded = (): ReadonlyArray<Recorded> =>
    spans.map((span) => ({
      name: span.name,
      attributes: span.attributes,
      parent: Option.match(span.parent, {
        onNone: () => undefined,
        onSome: (p) => (p._tag === "Span" ? p.name : undefined)
      })
    }))
  return { tracer, recorded }
})

interface Logged {
  readonly level: string
  readonly message: unknown
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A logger that keeps every line with its annotations, and the minimum level lowered to Debug. */
export const capturingLogs = Effect.sync(() => {
  const logs: Array<Logged> = []
  const logger = Logger.make(({ fiber, logLevel, message }) => {
    logs.push({ level: logLevel, message, annotations: { ...fiber.getRef(References.CurrentLogAnnotations) } })
  })
  const layer = Layer.merge(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "Debug"))
  return { logs, layer }
})

