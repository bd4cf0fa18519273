/**
 * The per-attempt timeout, on Effect's `Clock` (so `TestClock` drives it), at a cost the 2xx path
 * can carry.
 *
 * `Effect.timeoutOrElse` around every attempt is the obvious way; it races the attempt against a
 * sleep, two fibers per request, and measured 13% of an in-memory request on its own, 3 to 4
 * points more than this (interleaved runs against the bare client; `bench/client.bench.ts` has
 * the pairs). Here an attempt runs in one child fiber of the caller
 * (`Effect.forkChild`, started at once), and one watchdog fiber per client sleeps until the
 * earliest deadline and interrupts the attempts that outlast it. The platform's client aborts an
 * interrupted request (its `AbortSignal`), as its response aborts an interrupted body read, so
 * the connection is closed at once. The timeout is the same for every attempt of a client, so
 * deadlines arrive in the order attempts start and a `Set` in insertion order is the queue.
 *
 * The Effect 3 edition's watchdog closed hand-made scopes (`HttpClient.withScope`) instead, to
 * spare the fork; Effect 4's `Scope` is no longer an interface a client can implement, and
 * providing a real one per request measured dearer than the fork. A 2xx response leaves the
 * attempt as the platform made it: its body is read by the caller, outside the timeout, and an
 * interrupted read or a response collected unread aborts its request as the platform's own do.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"

// The default per-attempt timeout. The API answers in milliseconds; an answer that takes a minute
// is one no proxy in front of it would have waited for: nginx's `proxy_read_timeout` and an AWS
// load balancer's idle timeout are 60 s, so past that the client would only be waiting for a 504.
const defaultMillis = 60_000

/**
 * The timeout of an attempt in milliseconds, or `undefined` for none (`false`, or an infinite
 * duration).
 *
 * @internal
 */
export const millisOf = (input: Duration.Input | false | undefined): number | undefined => {
  if (input === false) return undefined
  const millis = input === undefined ? defaultMillis : Duration.toMillis(input)
  return Number.isFinite(millis) ? Math.max(0, millis) : undefined
}

/**
 * The failure of an attempt that outlasted its timeout: a transport failure, as a refused or
 * reset connection is, so code that handles those handles this one, and it is retried.
 *
 * @internal
 */
export const timedOut = (request: HttpClientRequest.HttpClientRequest, millis: number): HttpClientError.HttpClientError => {
  const after = Duration.format(Duration.millis(millis))
  return new HttpClientError.HttpClientError({
    reason: new HttpClientError.TransportError({
      request,
      cause: new Cause.TimeoutError(`the attempt took longer than ${after}`),
      description: `the attempt timed out after ${after}`
    })
  })
}

/** An attempt under watch: its deadline, its fiber once forked, and whether the watchdog cut it. */
interface Attempt {
  readonly deadline: number
  fiber: Fiber.Fiber<unknown, unknown> | undefined
  expired: boolean
}

// How long, in real time, a watchdog with nothing to watch waits before it stops. Its pending
// sleep would keep a Node process alive until the next deadline (up to the whole timeout) after
// the program's last request; stopping at once when the queue empties would cost a new fiber per
// request to a program that sends one request after another. Real time, not the Clock: it is about
// the process, which must be able to exit while a TestClock stands still.
const idleMillis = 10

/**
 * The deadlines of one client's attempts, and the fiber that enforces them.
 *
 * @internal
 */
export class Watchdog {
  private readonly attempts = new Set<Attempt>()
  private fiber: Fiber.Fiber<void> | undefined = undefined
  // The clock of the client's first request, as for the retry budget.
  private clock: Clock.Clock | undefined = undefined
  private started = 0
  private idleCheck = false

  constructor(readonly millis: number) {}

  /**
   * Runs one attempt (`attempt`, which sends `request` and reads what must be read of its
   * response) bounded by the timeout: in a child fiber the watchdog interrupts at the deadline,
   * and the interruption becomes `timedOut`. Interrupting the caller interrupts the attempt.
   */
  bound<A, E, R>(
    attempt: Effect.Effect<A, E, R>,
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<A, E | HttpClientError.HttpClientError, R> {
    const clock = this.clock
    if (clock !== undefined) return this.watch(clock, attempt, request)
    // The first attempt: the watchdog takes its clock from the fiber, once.
    return Effect.clockWith((clock) => this.watch(this.clock ??= clock, attempt, request))
  }

  private watch<A, E, R>(
    clock: Clock.Clock,
    attempt: Effect.Effect<A, E, R>,
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<A, E | HttpClientError.HttpClientError, R> {
    const watched: Attempt = { deadline: clock.currentTimeMillisUnsafe() + this.millis, fiber: undefined, expired: false }
    this.attempts.add(watched)
    this.started++
    // The fiber needs nothing from the request's context but the clock it was handed: it is run
    // on its own, outside the caller's fiber and scope, as a daemon would be.
    if (this.fiber === undefined) this.fiber = Effect.runFork(this.enforce)
    const settle = (cause: Cause.Cause<E>): Effect.Effect<never, E | HttpClientError.HttpClientError> =>
      watched.expired ? Effect.fail(timedOut(request, this.millis)) : Effect.failCause(cause)
    return Effect.flatMap(Effect.forkChild(attempt, { startImmediately: true }), (fiber) => {
      watched.fiber = fiber
      // However it ends (done, failed, cut, or interrupted with the caller), it is no longer watched.
      fiber.addObserver(() => this.done(watched))
      // Cut while it was being forked (the fork ran it until it first waited).
      if (watched.expired) fiber.interruptUnsafe()
      return Effect.catchCause(Fiber.join(fiber), settle)
    })
  }

  /** The attempt ended, one way or another: it is no longer watched. */
  private done(attempt: Attempt): void {
    this.attempts.delete(attempt)
    if (this.attempts.size === 0) this.armIdleCheck()
  }

  private readonly enforce: Effect.Effect<void> = Effect.suspend(() => {
    const clock = this.clock
    const first = this.attempts.values().next()
    if (clock === undefined || first.done === true) {
      this.fiber = undefined
      return Effect.void
    }
    const attempt = first.value
    const now = clock.currentTimeMillisUnsafe()
    if (attempt.deadline > now) return Effect.flatMap(clock.sleep(Duration.millis(attempt.deadline - now)), () => this.enforce)
    this.attempts.delete(attempt)
    attempt.expired = true
    attempt.fiber?.interruptUnsafe()
    return this.enforce
  })

  private armIdleCheck(): void {
    if (this.idleCheck || this.fiber === undefined) return
    this.idleCheck = true
    const started = this.started
    setTimeout(() => {
      this.idleCheck = false
      const fiber = this.fiber
      if (fiber === undefined || this.attempts.size > 0) return
      // Busy, but between two requests: look again later.
      if (this.started !== started) return this.armIdleCheck()
      this.fiber = undefined
      fiber.interruptUnsafe()
    }, idleMillis)
  }
}
