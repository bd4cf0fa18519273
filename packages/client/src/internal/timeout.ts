/**
 * The per-attempt timeout, on Effect's `Clock` (so `TestClock` drives it), at a cost the 2xx path
 * can carry.
 *
 * `Effect.timeout` around every request would be the obvious way, and it costs two fibers per
 * request, which measured as much as the rest of the client on the 2xx path (a fiber of its own
 * for the attempt alone cost a fifth of an in-memory request). So an attempt runs in the caller's
 * fiber, tied to a `Scope` of its own with `HttpClient.withScope`: closing that scope aborts the
 * platform request (its `AbortSignal`), so the request or the body read under way fails at once
 * and releases the connection. The scope is put in the fiber's context by hand
 * (`FiberRef.currentContext`), since `Effect.provideService` costs as much as a dozen steps. One watchdog fiber per client sleeps until the earliest
 * deadline and closes the scopes of the attempts that outlast it; the timeout is the same for
 * every attempt of a client, so deadlines arrive in the order attempts start and a `Set` in
 * insertion order is the queue.
 *
 * `withScope` hands back the platform's response without its usual wrapper, which aborts the
 * request when a body read is interrupted or when the response is garbage collected unread. A 2xx
 * goes to the caller, who reads it later, so `Released` puts that behaviour back.
 *
 * @internal
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Cookies from "@effect/platform/Cookies"
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type * as UrlParams from "@effect/platform/UrlParams"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Inspectable from "effect/Inspectable"
import type * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * An attempt under watch, and the scope its requests are tied to (`HttpClient.withScope` adds a
 * finalizer that aborts each of them). A scope of its own rather than `Scope.make`'s: the attempt
 * is made on every request, and this one is a plain object with a list of finalizers.
 *
 * @internal
 */
export class Attempt implements Scope.CloseableScope {
  readonly [Scope.ScopeTypeId]: Scope.ScopeTypeId = Scope.ScopeTypeId
  readonly [Scope.CloseableScopeTypeId]: Scope.CloseableScopeTypeId = Scope.CloseableScopeTypeId
  readonly strategy: ExecutionStrategy.ExecutionStrategy = ExecutionStrategy.sequential
  /** Set by the watchdog when the deadline passed first. */
  expired = false
  private finalizers: Array<Scope.Scope.Finalizer> | undefined = []

  /** `deadline`: when it times out, in the watchdog's clock's milliseconds. */
  constructor(readonly deadline: number) {}

  addFinalizer(finalizer: Scope.Scope.Finalizer): Effect.Effect<void> {
    if (this.finalizers === undefined) return finalizer(Exit.void)
    this.finalizers.push(finalizer)
    return Effect.void
  }

  fork(strategy: ExecutionStrategy.ExecutionStrategy): Effect.Effect<Scope.CloseableScope> {
    return Effect.tap(Scope.make(strategy), (child) => this.addFinalizer((exit) => Scope.close(child, exit)))
  }

  close(exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return Effect.suspend(() => {
      const finalizers = this.finalizers ?? []
      this.finalizers = undefined
      return Effect.forEach(finalizers.reverse(), (finalizer) => finalizer(exit), { discard: true })
    })
  }

  pipe() {
    // Effect's own classes pipe this way: `pipeArguments` takes the `arguments` object itself.
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}

const close = (scope: Scope.CloseableScope): Effect.Effect<void> => Scope.close(scope, Exit.void)

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
  private fiber: Fiber.RuntimeFiber<void> | undefined = undefined
  private clock: Clock.Clock | undefined = undefined
  private started = 0
  private idleCheck = false

  constructor(readonly millis: number) {}

  /**
   * Watches an attempt that starts now, and hands it to `f`: call it as the attempt starts (in an
   * `HttpClient.transform`, which runs once per attempt). The clock is the one of the client's
   * first request, as for the retry budget; after that, starting to watch costs no step of its own.
   */
  readonly watch = <A, E, R>(f: (attempt: Attempt) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    this.clock === undefined
      ? Effect.clockWith((clock) => {
        this.clock ??= clock
        return f(this.add())
      })
      : f(this.add())

  /** The attempt ended, one way or another: it is no longer watched. */
  readonly done = (attempt: Attempt): void => {
    this.attempts.delete(attempt)
    if (this.attempts.size === 0) this.armIdleCheck()
  }

  private add(): Attempt {
    const attempt = new Attempt((this.clock?.unsafeCurrentTimeMillis() ?? 0) + this.millis)
    this.attempts.add(attempt)
    this.started++
    // The fiber needs nothing from the request's context but the clock it was handed: it is run
    // on its own, outside the caller's fiber and scope, as a daemon would be.
    if (this.fiber === undefined) this.fiber = Effect.runFork(this.enforce)
    return attempt
  }

  private readonly enforce: Effect.Effect<void> = Effect.suspend(() => {
    const clock = this.clock
    const now = clock?.unsafeCurrentTimeMillis() ?? 0
    const first = this.attempts.values().next()
    if (clock === undefined || first.done === true) {
      this.fiber = undefined
      return Effect.void
    }
    const attempt = first.value
    if (attempt.deadline > now) return Effect.flatMap(clock.sleep(Duration.millis(attempt.deadline - now)), () => this.enforce)
    this.attempts.delete(attempt)
    attempt.expired = true
    return Effect.flatMap(close(attempt), () => this.enforce)
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
      fiber.unsafeInterruptAsFork(fiber.id())
    }, idleMillis)
  }
}

// An unread response is released when it is garbage collected, as the platform's own are.
const unread = new FinalizationRegistry<Scope.CloseableScope>((scope) => {
  Effect.runFork(close(scope))
})

/**
 * A 2xx response of a watched attempt, as the platform would have handed it over: interrupting a
 * read of its body aborts the request, reading it as a stream aborts it when the stream ends (the
 * connection is reused when the body was read to its end), and an unread one is released when it
 * is garbage collected.
 *
 * @internal
 */
export class Released extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId

  constructor(
    readonly original: HttpClientResponse.HttpClientResponse,
    private readonly scope: Scope.CloseableScope
  ) {
    super()
    unread.register(this, scope, this)
  }

  private read<A>(body: Effect.Effect<A, HttpClientError.ResponseError>): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.suspend(() => {
      unread.unregister(this)
      return Effect.onInterrupt(body, () => close(this.scope))
    })
  }

  get request(): HttpClientRequest.HttpClientRequest {
    return this.original.request
  }

  get status(): number {
    return this.original.status
  }

  get headers(): Headers.Headers {
    return this.original.headers
  }

  get cookies(): Cookies.Cookies {
    return this.original.cookies
  }

  get remoteAddress(): Option.Option<string> {
    return this.original.remoteAddress
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return this.read(this.original.formData)
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.read(this.original.text)
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return this.read(this.original.json)
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return this.read(this.original.urlParamsBody)
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.read(this.original.arrayBuffer)
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => {
      unread.unregister(this)
      return Stream.ensuring(this.original.stream, close(this.scope))
    })
  }

  toJSON(): unknown {
    return this.original.toJSON()
  }
}
