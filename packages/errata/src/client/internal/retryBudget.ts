/**
 * The client's retry budget options, with the window as a `Duration`. The bucket itself, its
 * accounting and its defaults are `@errata/dialect`'s `RetryBudget`, with time passed in.
 * `Retry.schedule` and `ApiClient.retryTransient` (and so `ApiClient.layer`) make one each.
 *
 * @internal
 */
import * as RetryBudget from "@errata/dialect/RetryBudget"
import * as Duration from "effect/Duration"

export { defaults, type RetryBudget } from "@errata/dialect/RetryBudget"

/**
 * The budget's three numbers, the window as a `Duration`. Every field is optional; the defaults
 * are Finagle's.
 *
 * @internal
 */
export interface Options extends Pick<RetryBudget.Options, "share" | "minRetriesPerSecond"> {
  /**
   * How long a deposit or a withdrawal counts; the reserve is `minRetriesPerSecond` times this.
   * Finagle: `ttl` 10 s. At least 1 ms.
   * @default "10 seconds"
   */
  readonly window?: Duration.Input | undefined
}

/**
 * Fills in the defaults; negative numbers count as zero, and the window is at least 1 ms.
 *
 * @internal
 */
export const resolve = (options: Options = {}): RetryBudget.Resolved =>
  RetryBudget.resolve({
    share: options.share,
    minRetriesPerSecond: options.minRetriesPerSecond,
    windowMillis: options.window === undefined ? undefined : Duration.toMillis(options.window)
  })

/**
 * A new, full budget: the reserve (`minRetriesPerSecond` x `window`) is available at once.
 *
 * @internal
 */
export const make = (options?: Options): RetryBudget.RetryBudget => RetryBudget.make(resolve(options))
