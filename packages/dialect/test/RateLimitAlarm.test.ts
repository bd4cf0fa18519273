import { describe, expect, it } from "vitest"
import { RateLimitAlarm } from "@errata/dialect"

describe("RateLimitAlarm", () => {
  it("warns on the first failure, then debug lines until the interval has passed, counted in the next warning", () => {
    const alarm = RateLimitAlarm.make(60_000, "allow")
    const message = 'errata: rate-limit store unavailable (down); serving requests without a limit (onStoreError: "allow")'
    const base = { "errata.rate_limit_store": "unavailable", "errata.on_store_error": "allow" }
    expect(alarm.report(0, "down")).toEqual({
      level: "warning",
      message,
      annotations: { ...base, "errata.store_failures_suppressed": 0 }
    })
    expect(alarm.report(1, "down")).toEqual({ level: "debug", message, annotations: base })
    expect(alarm.report(59_999, "down")).toEqual({ level: "debug", message, annotations: base })
    expect(alarm.report(60_000, "down")).toEqual({
      level: "warning",
      message: `${message}; 2 more since the last warning`,
      annotations: { ...base, "errata.store_failures_suppressed": 2 }
    })
    expect(alarm.report(120_000, "down").annotations["errata.store_failures_suppressed"]).toBe(0)
  })

  it("names the reject policy's outcome", () => {
    const report = RateLimitAlarm.make(1_000, "reject").report(0, "Redis reconnecting")
    expect(report.message).toBe(
      'errata: rate-limit store unavailable (Redis reconnecting); answering SERVICE_UNAVAILABLE (onStoreError: "reject")'
    )
    expect(report.annotations["errata.on_store_error"]).toBe("reject")
  })

  it("an interval of 0 warns every time; alarms are independent", () => {
    const every = RateLimitAlarm.make(0, "allow")
    expect([0, 0, 0].map((now) => every.report(now, "x").level)).toEqual(["warning", "warning", "warning"])
    const a = RateLimitAlarm.make(60_000, "allow")
    const b = RateLimitAlarm.make(60_000, "allow")
    a.report(0, "x")
    expect(b.report(1, "x").level).toBe("warning")
  })
})
