/**
 * @since 0.1.0
 */

/**
 * The errata client: an `HttpClient` whose failures are the typed errors, with retries for the
 * transient ones; its layer and its combinators.
 *
 * @since 0.1.0
 */
export * as ApiClient from "./ApiClient.js"

/**
 * The retry policy: which failures retry, how long to wait, `Retry-After`, as a `Schedule` too.
 *
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"

/**
 * The success envelope `{ data, meta }` decoded with a `Schema`, and paging as a `Stream`.
 *
 * @since 0.1.0
 */
export * as Envelope from "./Envelope.js"

/**
 * The retry budget: a token bucket shared by a client's requests that holds retries to a share of
 * the successful traffic plus a minimum rate.
 *
 * @since 0.1.0
 */
export * as RetryBudget from "./RetryBudget.js"
