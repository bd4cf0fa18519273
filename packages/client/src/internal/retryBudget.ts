/**
 * A retry budget: one token bucket shared by every request of a client, so that retries stay a
 * bounded share of the traffic however many requests fail at once. Each successful answer deposits
 * `share` of a retry, each retry withdraws one, and a reserve of `minRetriesPerSecond` lets a client
 * with little traffic still retry. Deposits and withdrawals count for `window` and then lapse, so
 * an hour of healthy traffic cannot fund an hour of retries in an outage.
 *
 * The semantics are Finagle's `RetryBudget` (a `ttl` window, `minRetriesPerSec`,
 * `percentCanRetry`; defaults 10 s, 10, 0.2) with one change: Finagle deposits on every request,
 * errata on every success. With Finagle's rule a full outage still funds retries worth `share` of
 * the traffic on top of the reserve (1.2x plus the minimum rate); with a deposit per success an
 * outage funds nothing, so the load stays at the offered requests plus the minimum rate, and the
 * 20% share applies to the traffic the server is actually answering. gRPC's retry throttling
 * (`maxTokens`, `tokenRatio` 0.1 per success) makes the same choice.
 *
 * `Retry.schedule` and `ApiClient.retryTransient` (and so `ApiClient.layer`) make one each; this
 * module is the bucket itself, with time passed in.
 *
 * @internal
 */
import * as Duration from "effect/Duration"

/**
 * The budget's three numbers. Every field is optional; the defaults are Finagle's.
 *
 * @internal
 */
export interface Options {
  /**
   * The retries each successful answer earns, as a fraction of a retry: `0.2` lets retries add at
   * most 20% to the traffic the server answers (on top of the reserve). `0` leaves the reserve
   * only. Finagle: `percentCanRetry` 0.2; gRPC: `tokenRatio` 0.1.
   * @default 0.2
   */
  readonly share?: number | undefined
  /**
   * Retries per second allowed whatever the traffic, averaged over the window: the reserve, so a
   * client that makes few requests can still retry them. Finagle: `minRetriesPerSec` 10.
   * @default 10
   */
  readonly minRetriesPerSecond?: number | undefined
  /**
   * How long a deposit or a withdrawal counts; the reserve is `minRetriesPerSecond` times this.
   * Finagle: `ttl` 10 s. At least 1 ms.
   * @default "10 seconds"
   */
  readonly window?: Duration.DurationInput | undefined
}

/**
 * The options with every default filled in, the window in milliseconds.
 *
 * @internal
 */
export interface Resolved {
  readonly share: number
  readonly minRetriesPerSecond: number
  readonly windowMillis: number
}

/**
 * The defaults of `Options`: 20% of the successes, 10 retries per second, a 10 s window.
 *
 * @internal
 */
export const defaults: Resolved = { share: 0.2, minRetriesPerSecond: 10, windowMillis: 10_000 }

const nonNegative = (value: number | undefined, fallback: number): number =>
  value === undefined || Number.isNaN(value) ? fallback : Math.max(0, value)

/**
 * Fills in the defaults; negative numbers count as zero, and the window is at least 1 ms.
 *
 * @internal
 */
export const resolve = (options: Options = {}): Resolved => ({
  share: nonNegative(options.share, defaults.share),
  minRetriesPerSecond: nonNegative(options.minRetriesPerSecond, defaults.minRetriesPerSecond),
  windowMillis: options.window === undefined
    ? defaults.windowMillis
    : Math.max(1, Duration.toMillis(Duration.decode(options.window)))
})

/**
 * A retry budget: a mutable bucket, read and written with the current time in milliseconds (the
 * client passes the Effect `Clock`'s). Not a value to compare or copy: share the one instance.
 *
 * @internal
 */
export interface RetryBudget {
  /** The numbers it was made with. */
  readonly options: Resolved
  /** Credits one successful answer with `share` of a retry. */
  deposit(now: number): void
  /** Takes one retry from the budget when it holds one, and says whether it did. */
  tryWithdraw(now: number): boolean
  /** How many whole retries the budget would grant right now. */
  available(now: number): number
}

// Finagle's windowed adder: the window is cut into slices, each remembering which slice of time it
// holds; a slice that is a whole window old is reset on its next use instead of by a timer.
const SLICES = 10
// Amounts are counted in thousandths of a retry, so five deposits of 0.2 make exactly one retry.
const UNIT = 1000

class Bucket implements RetryBudget {
  private readonly sliceMillis: number
  private readonly depositUnits: number
  private readonly reserveUnits: number
  private readonly sums: Array<number> = new Array<number>(SLICES).fill(0)
  private readonly epochs: Array<number> = new Array<number>(SLICES).fill(Number.NEGATIVE_INFINITY)

  constructor(readonly options: Resolved) {
    this.sliceMillis = options.windowMillis / SLICES
    this.depositUnits = Math.round(options.share * UNIT)
    this.reserveUnits = Math.round(options.minRetriesPerSecond * (options.windowMillis / 1000) * UNIT)
  }

  /** The index of the slice holding `now`, emptied first when it still holds an older slice. */
  private slot(now: number): number {
    const epoch = Math.floor(now / this.sliceMillis)
    const index = ((epoch % SLICES) + SLICES) % SLICES
    if (this.epochs[index] !== epoch) {
      this.epochs[index] = epoch
      this.sums[index] = 0
    }
    return index
  }

  /** The reserve plus every deposit and withdrawal of the last window, in units. */
  private balance(now: number): number {
    const epoch = Math.floor(now / this.sliceMillis)
    let total = this.reserveUnits
    for (let i = 0; i < SLICES; i++) {
      if (epoch - (this.epochs[i] ?? Number.NEGATIVE_INFINITY) < SLICES) total += this.sums[i] ?? 0
    }
    return total
  }

  // The 2xx path of every request runs this: a division, a floor, a remainder, a compare, an add.
  deposit(now: number): void {
    if (this.depositUnits === 0) return
    const index = this.slot(now)
    this.sums[index] = (this.sums[index] ?? 0) + this.depositUnits
  }

  tryWithdraw(now: number): boolean {
    if (this.balance(now) < UNIT) return false
    const index = this.slot(now)
    this.sums[index] = (this.sums[index] ?? 0) - UNIT
    return true
  }

  available(now: number): number {
    return Math.max(0, Math.floor(this.balance(now) / UNIT))
  }
}

/**
 * A new, full budget: the reserve (`minRetriesPerSecond` x `window`) is available at once, and
 * nothing has been deposited yet.
 *
 * @internal
 */
export const make = (options?: Options): RetryBudget => new Bucket(resolve(options))
