/**
 * Redirects, followed the way fetch follows them (the WHATWG Fetch standard's "HTTP-redirect
 * fetch"), so that the client does the same whatever `HttpClient` is underneath: a fetch-based
 * client follows on its own before errata sees the response; `NodeHttpClient` hands a 3xx over,
 * and errata then follows it by the same rules:
 *
 * - 301, 302, 303, 307 and 308 with a `Location` to an http(s) URL, at most 20 in a row;
 * - 303, and 301 or 302 after a POST, continue as a GET without the body (HEAD stays HEAD);
 *   307 and 308 keep the method, the body and the headers (the `Idempotency-Key` included);
 * - leaving the origin drops `Authorization`, so the API key never reaches another host.
 *
 * Not `HttpClient.followRedirects`: that one also follows a 300, 304 or 305 that carries a
 * `Location`, which fetch hands over, and, as a client layer of its own, it costs every 2xx a
 * step; errata follows from the non-2xx branch of its status check, where a 2xx never goes.
 *
 * @internal
 */
import * as Headers from "effect/http/Headers"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"
import * as Option from "effect/Option"

/** fetch's limit: the 21st redirect in a row is not followed. @internal */
export const maxRedirects = 20

const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

// The headers that describe a request body, dropped with the body (Fetch: "request-body-header name").
const bodyHeaders = ["content-type", "content-length", "content-encoding", "content-language", "content-location"]

const resolve = (location: string, base: URL): URL | undefined => {
  try {
    return new URL(location, base)
  } catch {
    return undefined
  }
}

const without = (headers: Headers.Headers, names: ReadonlyArray<string>): Headers.Headers =>
  names.reduce((rest, name) => Headers.remove(rest, name), headers)

/**
 * The request to send after this response, or `undefined` when it is not a redirect to follow.
 *
 * @internal
 */
export const next = (response: HttpClientResponse.HttpClientResponse): HttpClientRequest.HttpClientRequest | undefined => {
  const status = response.status
  if (!redirectStatuses.has(status)) return undefined
  const location = response.headers["location"]
  const request = response.request
  const from = Option.getOrUndefined(HttpClientRequest.toUrl(request))
  const target = location === undefined || from === undefined ? undefined : resolve(location, from)
  if (target === undefined || (target.protocol !== "http:" && target.protocol !== "https:")) return undefined
  const method = request.method
  const asGet = ((status === 301 || status === 302) && method === "POST") ||
    (status === 303 && method !== "GET" && method !== "HEAD")
  let headers = request.headers
  if (asGet) headers = without(headers, bodyHeaders)
  if (target.origin !== from?.origin) headers = Headers.remove(headers, "authorization")
  // The Location as sent: its query stays in the URL, its fragment is the request's hash.
  const hash = target.hash === "" ? Option.none() : Option.some(target.hash.slice(1))
  target.hash = ""
  return HttpClientRequest.makeWith(asGet ? "GET" : method, target.href, UrlParams.empty, hash, headers, asGet ? HttpBody.empty : request.body)
}
