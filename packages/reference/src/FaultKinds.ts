/**
 * The ways the fault switch makes a request fail, as real outages do: each edition's `Fault`
 * schema takes these kinds, and answers `htmlBadGateway` with this page.
 */

/** The kinds of fault; `error` answers with the catalog error the fault's `code` names. */
export const kinds = ["unavailable", "internal", "rateLimited", "htmlBadGateway", "dropConnection", "error"] as const

/** A kind of fault. */
export type FaultKind = (typeof kinds)[number]

/** Where the fault switch never applies: the switch itself, the docs page and the document. */
export const exempt = (url: string): boolean =>
  url.startsWith("/_admin") || url.startsWith("/docs") || url.startsWith("/openapi")

/** nginx's 502 page, byte for byte: the drift a client meets when a proxy answers for the API. */
export const badGatewayPage =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
