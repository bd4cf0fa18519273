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
 * The retry policy as the `Schedule` the client runs: which failures retry, how long to wait,
 * `Retry-After`, the retry budget.
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
