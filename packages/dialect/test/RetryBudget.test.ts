import { describe, expect, it } from "vitest"
import { RetryBudget } from "@errata/dialect"

// A small seeded generator, so the interleavings are many and the same ones each run.
const random = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 2 ** 32
  }
}

describe("RetryBudget", () => {
  it("defaults are Finagle's: 20% of the successes, 10 retries per second, a 10 s window", () => {
    expect(RetryBudget.defaults).toEqual({ share: 0.2, minRetriesPerSecond: 10, windowMillis: 10_000 })
    expect(RetryBudget.resolve()).toEqual(RetryBudget.defaults)
    expect(RetryBudget.make().options).toEqual(RetryBudget.defaults)
  })

  it("resolve: negative numbers count as zero, NaN as the default, the window is at least 1 ms", () => {
    expect(RetryBudget.resolve({ share: -1, minRetriesPerSecond: Number.NaN, windowMillis: 0 })).toEqual({
      share: 0,
      minRetriesPerSecond: 10,
      windowMillis: 1
    })
    expect(RetryBudget.resolve({ share: 0.5, minRetriesPerSecond: -2, windowMillis: 2_500 })).toEqual({
      share: 0.5,
      minRetriesPerSecond: 0,
      windowMillis: 2_500
    })
  })

  it("a fresh budget grants its reserve, minRetriesPerSecond x window, then refuses", () => {
    const budget = RetryBudget.make()
    expect(budget.available(0)).toBe(100)
    let granted = 0
    while (budget.tryWithdraw(0)) granted++
    expect(granted).toBe(100)
    expect(budget.available(5_000)).toBe(0)
    expect(budget.tryWithdraw(5_000)).toBe(false)
  })

  it("each success earns `share` of a retry, counted exactly: five for one at 20%, ten for one at 10%", () => {
    for (const [share, perRetry] of [[0.2, 5], [0.1, 10]] as const) {
      const budget = RetryBudget.make({ share, minRetriesPerSecond: 0 })
      expect(budget.tryWithdraw(0)).toBe(false)
      for (let i = 0; i < perRetry * 3 - 1; i++) budget.deposit(i)
      expect(budget.available(1_000)).toBe(2)
      budget.deposit(1_000)
      expect(budget.available(1_000)).toBe(3)
    }
  })

  it("deposits and withdrawals lapse after the window: the reserve comes back, old successes stop counting", () => {
    const budget = RetryBudget.make({ minRetriesPerSecond: 1, windowMillis: 10_000 })
    while (budget.tryWithdraw(500)) continue
    for (let i = 0; i < 50; i++) budget.deposit(500)
    expect(budget.available(9_999)).toBe(10)
    expect(budget.available(10_000)).toBe(10)
  })

  it("in a long full outage retries run at the minimum rate: 1,000 in 100 s at 10/s", () => {
    const budget = RetryBudget.make()
    let granted = 0
    for (let now = 0; now < 100_000; now += 10) if (budget.tryWithdraw(now)) granted++
    expect(granted).toBe(1_000)
  })

  it("share 0 and no minimum: never a retry", () => {
    const budget = RetryBudget.make({ share: 0, minRetriesPerSecond: 0 })
    for (let i = 0; i < 100; i++) budget.deposit(i)
    expect(budget.tryWithdraw(100)).toBe(false)
    expect(budget.available(100)).toBe(0)
  })

  it("time before the epoch counts as any other", () => {
    const budget = RetryBudget.make({ minRetriesPerSecond: 0 })
    for (let i = 0; i < 5; i++) budget.deposit(-1_000 - i)
    expect(budget.tryWithdraw(-900)).toBe(true)
    expect(budget.tryWithdraw(-900)).toBe(false)
  })

  it("within a window, however successes and retries interleave, retries never exceed the reserve plus share x successes", () => {
    for (let run = 0; run < 200; run++) {
      const next = random(run)
      const share = next()
      const minRetriesPerSecond = Math.floor(next() * 21)
      const budget = RetryBudget.make({ share, minRetriesPerSecond, windowMillis: 10_000 })
      const events = Array.from({ length: Math.floor(next() * 2_000) }, () => ({ success: next() < 0.5, at: Math.floor(next() * 9_000) }))
      let successes = 0
      let granted = 0
      for (const event of events.sort((a, b) => a.at - b.at)) {
        if (event.success) {
          budget.deposit(event.at)
          successes++
        } else if (budget.tryWithdraw(event.at)) {
          granted++
        }
        const allowed = minRetriesPerSecond * 10 + Math.round(share * 1000) / 1000 * successes
        expect(granted).toBeLessThanOrEqual(allowed + 1e-9)
      }
    }
  })
})
