/**
 * The Redis scripts of the adaptive state (`RateLimiterStore.adaptiveConsume` and
 * `adaptiveFeedback`, what `HttpClient.withRateLimiter` learns from a server's 429s), with the
 * layout of their keys and arguments. Effect-free, as `@errata/dialect`'s `RateLimitScript` is:
 * they belong there, next to the token bucket and the fixed window, once the Effect 3 edition has
 * a store interface that asks for them; until then only this edition runs them.
 *
 * They are `effect/persistence`'s memory store's state machine (`layerStoreMemory`), step for step,
 * on Redis's own clock (`TIME`): one hash per key, `<bucket key>:adaptive`, which expires as the
 * memory store's state does (its window or cooldown, and a minute of grace). Lua numbers that are
 * not whole are written with 17 significant digits, so that a learned pace survives the round trip.
 *
 * @internal
 */

/**
 * `KEYS[1]`: the adaptive key (`adaptiveKey`). `ARGV` (`adaptiveConsumeArguments`): the tokens to
 * take, the fallback window in ms, the grace in ms. Reply: `{ delayMillis, epoch, phase }`, the
 * delay rounded up to whole milliseconds (Redis replies with integers); `{ 0, 0, "inactive" }`
 * when the key has no state.
 */
export const adaptiveConsume = `
local key = KEYS[1]
local tokens = tonumber(ARGV[1])
local fallback_window_ms = tonumber(ARGV[2])
local ttl_grace_ms = tonumber(ARGV[3])
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call("HMGET", KEYS[1], "phase", "epoch", "cooldownUntil", "observedTokens", "learnedLimit", "learnedWindowMillis")
local phase = state[1]
if not phase then
  return { 0, 0, "inactive" }
end
local epoch = tonumber(state[2]) or 0
local cooldown_until = tonumber(state[3]) or 0
local observed_tokens = tonumber(state[4]) or 0
if phase == "cooldown" then
  if cooldown_until > now then
    return { math.ceil(cooldown_until - now), epoch, "cooldown" }
  end
  epoch = epoch + 1
  redis.call("HSET", key, "phase", "learning", "epoch", epoch, "cooldownUntil", 0, "learningStartedAt", now,
    "observedTokens", string.format("%.17g", tokens), "learnedLimit", 0, "learnedWindowMillis", 0)
  redis.call("PEXPIRE", key, math.max(1, math.ceil(fallback_window_ms + ttl_grace_ms)))
  return { 0, epoch, "learning" }
end
if phase == "learning" then
  redis.call("HSET", key, "observedTokens", string.format("%.17g", observed_tokens + tokens))
  return { 0, epoch, "learning" }
end
if phase == "learned" then
  local learned_limit = tonumber(state[5]) or 0
  local learned_window_ms = tonumber(state[6]) or 0
  local refill_ms = learned_window_ms / learned_limit
  if cooldown_until <= now then
    observed_tokens = 0
    cooldown_until = now
  end
  observed_tokens = observed_tokens + tokens
  cooldown_until = cooldown_until + refill_ms * tokens
  local elapsed = observed_tokens * refill_ms - (cooldown_until - now)
  local window_number = math.floor((observed_tokens - 1) / learned_limit)
  local remaining = window_number * learned_window_ms - elapsed
  redis.call("HSET", key, "observedTokens", string.format("%.17g", observed_tokens),
    "cooldownUntil", string.format("%.17g", cooldown_until))
  if remaining <= 0 then
    return { 0, epoch, "learned" }
  end
  return { math.ceil(remaining), epoch, "learned" }
end
return { 0, epoch, phase }
`

/**
 * The `ARGV` of `adaptiveConsume`, in its order.
 */
export const adaptiveConsumeArguments = (call: {
  readonly tokens: number
  readonly fallbackWindowMillis: number
  readonly graceMillis: number
}): ReadonlyArray<number> => [call.tokens, call.fallbackWindowMillis, call.graceMillis]

/**
 * `KEYS[1]`: the adaptive key (`adaptiveKey`). `ARGV` (`adaptiveFeedbackArguments`): the epoch
 * the consume answered, the tokens it took, the `Retry-After` in ms (clamped to 1 ms … the longest
 * window), the grace in ms, the longest window in ms. Only a 429 with a wait is fed back; the
 * caller skips the others. Reply: 1 when the state changed, else 0 (a stale epoch).
 */
export const adaptiveFeedback = `
local key = KEYS[1]
local feedback_epoch = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
local retry_after_ms = tonumber(ARGV[3])
local ttl_grace_ms = tonumber(ARGV[4])
local max_window_ms = tonumber(ARGV[5])
if retry_after_ms <= 0 then retry_after_ms = 1 end
if retry_after_ms > max_window_ms then retry_after_ms = max_window_ms end
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cooldown_until = now + retry_after_ms
local state = redis.call("HMGET", key, "phase", "epoch", "cooldownUntil", "observedTokens", "learningStartedAt")
local phase = state[1]
local function cooldown(until_ms)
  redis.call("HSET", key, "phase", "cooldown", "cooldownUntil", string.format("%.17g", until_ms),
    "learningStartedAt", 0, "observedTokens", 0, "learnedLimit", 0, "learnedWindowMillis", 0)
  redis.call("PEXPIRE", key, math.max(1, math.ceil(until_ms - now + ttl_grace_ms)))
end
if not phase then
  if feedback_epoch ~= 0 then return 0 end
  redis.call("HSET", key, "epoch", 0)
  cooldown(cooldown_until)
  return 1
end
local epoch = tonumber(state[2]) or 0
if epoch ~= feedback_epoch then return 0 end
if phase == "cooldown" then
  local current = tonumber(state[3]) or 0
  if current > cooldown_until then cooldown_until = current end
  redis.call("HSET", key, "cooldownUntil", string.format("%.17g", cooldown_until))
  redis.call("PEXPIRE", key, math.max(1, math.ceil(cooldown_until - now + ttl_grace_ms)))
  return 1
end
if phase == "learning" then
  local accepted = (tonumber(state[4]) or 0) - tokens
  if accepted <= 0 then
    cooldown(cooldown_until)
    return 1
  end
  local started = tonumber(state[5]) or now
  local window_ms = now - started + retry_after_ms
  if window_ms <= 0 then window_ms = 1 end
  if window_ms > max_window_ms then window_ms = max_window_ms end
  redis.call("HSET", key, "phase", "learned", "epoch", epoch + 1,
    "cooldownUntil", string.format("%.17g", started + window_ms),
    "observedTokens", string.format("%.17g", accepted), "learnedLimit", string.format("%.17g", accepted),
    "learnedWindowMillis", string.format("%.17g", window_ms))
  redis.call("PEXPIRE", key, math.max(1, math.ceil(window_ms + ttl_grace_ms)))
  return 1
end
if phase == "learned" then
  cooldown(cooldown_until)
  return 1
end
return 0
`

/**
 * The `ARGV` of `adaptiveFeedback`, in its order.
 */
export const adaptiveFeedbackArguments = (call: {
  readonly epoch: number
  readonly tokens: number
  readonly retryAfterMillis: number
  readonly graceMillis: number
  readonly maxWindowMillis: number
}): ReadonlyArray<number> => [call.epoch, call.tokens, call.retryAfterMillis, call.graceMillis, call.maxWindowMillis]

/**
 * The Redis key of a bucket's adaptive state: its token bucket's key (the prefix and the SHA-256
 * of the bucket key, `RateLimitScript.key`) and `:adaptive`, as `effect/persistence`'s Redis
 * store names it.
 */
export const adaptiveKey = (bucketKey: string): string => `${bucketKey}:adaptive`
