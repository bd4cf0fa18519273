/**
 * The token bucket behind `RetryBudget.make`: Finagle's windowed adder over time passed in.
 *
 * @internal
 */
import type { Resolved, RetryBudget } from "../RetryBudget.js"

// Finagle's windowed adder: the window is cut into slices, each remembering which slice of time it
// holds; a slice that is a whole window old is reset on its next use instead of by a timer.
const SLICES = 10
// Amounts are counted in thousandths of a retry, so five deposits of 0.2 make exactly one retry.
const UNIT = 1000

/** @internal */
export class Bucket implements RetryBudget {
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
