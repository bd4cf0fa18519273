/**
 * The client tour as data: each case's request, key, armed faults and the outcome it means to
 * show, and the table both editions print. Each edition's `Tour` sends the requests with its own
 * client; the same script and the same table are what let the cross tests compare the editions
 * row for row.
 */
import * as Catalog from "@errata/dialect/Catalog"
import { type DemoKeys, parseDemoKeys } from "./ApiKeys.js"
import type { FaultKind } from "./FaultKinds.js"

/** Whose key a case sends: one of the demo keys, or `unknown`, a well-formed key nobody issued. */
export type KeyRole = keyof DemoKeys | "unknown"

/** The key `unknown` sends. */
export const unknownKey = "sk_live_not-a-real-key"

/** The ID of a contact that does not exist. */
export const missingId = "550e8400-e29b-41d4-a716-446655440000"

/**
 * What a case sends. The `Typed*` requests go through the client derived from the API's own
 * definition; the `Stranger*` ones through a definition of the same paths that takes any string
 * and any body, as a client not built from the definition would send them (the typed client
 * refuses them before sending).
 */
export type Request =
  | { readonly _tag: "TypedCreateContact"; readonly name: string; readonly email: string }
  | { readonly _tag: "TypedGetContact"; readonly id: "created" | "missing" }
  | { readonly _tag: "TypedListContacts"; readonly limit?: number }
  | { readonly _tag: "StrangerCreateContact"; readonly name: string; readonly email: string }
  | { readonly _tag: "StrangerListContacts"; readonly limit: string }
  | { readonly _tag: "StrangerSearchContacts" }
  | { readonly _tag: "StrangerGet"; readonly group: "contacts" | "messages" | "businesses"; readonly id: string }

/** A fault armed for the case's own key before it runs. */
export interface CaseFault {
  readonly kind: FaultKind
  readonly count: number
  readonly retryAfterSeconds?: number
}

/** One case of the tour. */
export interface Case {
  readonly label: string
  /** What the case is meant to show: a tag, or `ok` for a success. */
  readonly expected: string
  readonly key: KeyRole
  readonly request: Request
  /** `false`: the client's retries are off for this case. */
  readonly retry?: false
  readonly faults?: ReadonlyArray<CaseFault>
  /** A transient failure: the row says whether the retries recovered. */
  readonly transient?: true
}

/** Short retry delays for the tour: the real schedule, with a 100 ms base instead of 1 s. */
export const retry = { times: 3, baseMillis: 100, maxRetryAfterMillis: 2000 } as const

/** The contact the tour creates first; `TypedGetContact` with `created` reads it back. */
export const firstContact = { name: "Ada Lovelace", email: "ada@example.com" } as const

/** How many calls of the throttled key the tour spends before its cases, so the 429 case is the third. */
export const throttledPrimer = 2

/** The name the retried create uses; the last row checks the store holds exactly one such record. */
export const retriedCreateName = "Katherine Johnson"

/** The label of the case whose 429 names `Retry-After: 1`, which the client must wait out. */
export const retryAfterLabel = "a 429 with Retry-After: 1"

const list: Request = { _tag: "TypedListContacts" }

const outage = (kind: FaultKind, count: number, retryAfterSeconds?: number): ReadonlyArray<CaseFault> => [
  retryAfterSeconds === undefined ? { kind, count } : { kind, count, retryAfterSeconds }
]

/** The cases, in order: every code of the catalog, a drift case, and retries recovering from outages. */
export const cases: ReadonlyArray<Case> = [
  { label: "create a contact", expected: "ok", key: "admin", request: { _tag: "TypedCreateContact", name: "Grace Hopper", email: "grace@example.com" } },
  { label: "read it back", expected: "ok", key: "admin", request: { _tag: "TypedGetContact", id: "created" } },
  { label: "list contacts, limit 1", expected: "ok", key: "admin", request: { _tag: "TypedListContacts", limit: 1 } },
  { label: "unknown API key", expected: "Unauthorized", key: "unknown", request: list },
  { label: "read-only key creates a contact", expected: "InsufficientPermissions", key: "readOnly", request: { _tag: "TypedCreateContact", name: "Eve", email: "eve@example.com" } },
  { label: "contact with a bad email", expected: "ValidationError", key: "admin", request: { _tag: "StrangerCreateContact", name: "Bob", email: "not-an-email" } },
  { label: "list with limit=1000", expected: "InvalidInput", key: "admin", request: { _tag: "StrangerListContacts", limit: "1000" } },
  { label: "search without ?q", expected: "MissingQuery", key: "admin", request: { _tag: "StrangerSearchContacts" } },
  { label: "contact that does not exist", expected: "NotFound", key: "admin", request: { _tag: "TypedGetContact", id: "missing" } },
  { label: "contact ID that is not a UUID", expected: "InvalidContactId", key: "admin", request: { _tag: "StrangerGet", group: "contacts", id: "42" } },
  { label: "message ID that is not a UUID", expected: "InvalidMessageId", key: "admin", request: { _tag: "StrangerGet", group: "messages", id: "hello" } },
  { label: "business ID that is not a UUID", expected: "InvalidBusinessId", key: "admin", request: { _tag: "StrangerGet", group: "businesses", id: "acme" } },
  { label: "third call in a minute on a 2/min tier", expected: "RateLimitExceeded", key: "throttled", request: list, retry: false },
  { label: "500 on every attempt", expected: "InternalError", key: "admin", request: list, faults: outage("internal", 10), transient: true },
  { label: "503 on every attempt", expected: "ServiceUnavailable", key: "admin", request: list, faults: outage("unavailable", 10), transient: true },
  { label: "drift: a proxy's HTML 502 page, every attempt", expected: "UnexpectedResponse", key: "admin", request: list, faults: outage("htmlBadGateway", 10), transient: true },
  { label: "two 503s, then the API is back", expected: "ok", key: "admin", request: list, faults: outage("unavailable", 2), transient: true },
  { label: retryAfterLabel, expected: "ok", key: "admin", request: list, faults: outage("rateLimited", 1, 1), transient: true },
  { label: "a dropped connection", expected: "ok", key: "admin", request: list, faults: outage("dropConnection", 1), transient: true },
  { label: "an HTML 502 once, then the API is back", expected: "ok", key: "admin", request: list, faults: outage("htmlBadGateway", 1), transient: true },
  { label: "a create retried after a 503 makes one record", expected: "ok", key: "admin", request: { _tag: "TypedCreateContact", name: retriedCreateName, email: "kj@example.com" }, faults: outage("unavailable", 1), transient: true }
]

/** One line of the tour's table. */
export interface Row {
  readonly label: string
  /** What the case is meant to show: a tag, or `ok` for a success. */
  readonly expected: string
  readonly tag: string
  /** The catalog code, `-` for a success or a response outside the catalog. */
  readonly code: string
  readonly status: number
  readonly attempts: number
  readonly requestId: string
  /** For transient cases: whether the retries ended in a success. */
  readonly recovered: boolean | undefined
  readonly millis: number
}

/** What a case ended with, as an edition's client saw it. */
export type Outcome =
  | { readonly _tag: "Success"; readonly status: number; readonly requestId: string | undefined }
  | {
    readonly _tag: "Failure"
    readonly tag: string
    readonly code: string | undefined
    readonly status: number
    readonly requestId: string | undefined
    /** The attempts the client counted, when it says. */
    readonly attempts: number | undefined
  }

/** The row of a case: `sent` is how many requests went on the wire. */
export const row = (of: Case, outcome: Outcome, sent: number, millis: number): Row =>
  outcome._tag === "Success"
    ? {
      label: of.label,
      expected: of.expected,
      tag: "ok",
      code: "-",
      status: outcome.status,
      attempts: sent,
      requestId: outcome.requestId ?? "-",
      recovered: of.transient === true ? true : undefined,
      millis
    }
    : {
      label: of.label,
      expected: of.expected,
      tag: outcome.tag,
      code: outcome.code ?? "-",
      status: outcome.status,
      attempts: outcome.attempts ?? sent,
      requestId: outcome.requestId ?? "-",
      recovered: of.transient === true ? false : undefined,
      millis
    }

/** The last row: the retried create carried one idempotency key on both attempts, so one record. */
export const oneRecordRow = (total: number, sent: number): Row => ({
  label: "...and the store holds exactly one such record",
  expected: "ok",
  tag: total === 1 ? "ok" : `${total} records`,
  code: "-",
  status: 200,
  attempts: sent,
  requestId: "-",
  recovered: undefined,
  millis: 0
})

/** Whether the case showed what it meant to. */
export const passed = (row: Row): boolean => row.tag === row.expected

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))

/** The table, one line per case. */
export const table = (rows: ReadonlyArray<Row>): string => {
  const header = ["", "case", "code", "status", "tag", "attempts", "request ID", "recovered?"]
  const lines = rows.map((r) => [
    passed(r) ? "✓" : "✗",
    r.label,
    r.code,
    String(r.status),
    r.tag,
    String(r.attempts),
    r.requestId,
    r.recovered === undefined ? "" : r.recovered ? "yes" : "no"
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)))
  return [header, ...lines].map((l) => l.map((cell, i) => pad(cell, widths[i] ?? 0)).join("  ").trimEnd()).join("\n")
}

/** A one-line progress report for a finished case. */
export const progress = (row: Row): string =>
  `${passed(row) ? "✓" : "✗"} ${row.label}: ${row.tag === "ok" ? `${row.status}` : `${row.tag} (${row.status})`} after ${row.attempts} attempt(s), ${row.millis} ms`

/** The closing line under the table, and whether every case showed what it meant to. */
export const summary = (rows: ReadonlyArray<Row>): { readonly line: string; readonly failed: number } => {
  const failed = rows.filter((r) => !passed(r)).length
  const codes = new Set(rows.map((r) => r.code).filter((code) => code !== "-"))
  return { line: `${rows.length - failed}/${rows.length} cases as expected; ${codes.size} of the 12 codes seen.`, failed }
}

/** What the cross tests compare between editions: a row without its timing and its server-made request ID. */
export const comparable = (row: Row) => ({
  label: row.label,
  tag: row.tag,
  code: row.code,
  status: row.status,
  attempts: row.attempts,
  recovered: row.recovered,
  requestId: row.requestId === "-" ? "-" : "present"
})

/**
 * What is wrong with a tour's rows, one sentence each; none when the tour showed everything it
 * means to: every case its outcome, every code of the catalog with its status and tag, the drift
 * case retried to the end, exhausted retries `retry.times + 1` attempts, recoveries more than one,
 * the `Retry-After` obeyed, and every non-transient code asked once.
 */
export const problems = (rows: ReadonlyArray<Row>): ReadonlyArray<string> => {
  const found: Array<string> = []
  if (rows.length !== cases.length + 1) found.push(`${rows.length} rows, not ${cases.length + 1}`)
  for (const r of rows) if (!passed(r)) found.push(`${r.label}: ${r.tag}, meant ${r.expected}`)
  const seen = new Map(rows.filter((r) => r.code !== "-").map((r) => [r.code, r]))
  for (const entry of Catalog.all) {
    const r = seen.get(entry.code)
    if (r === undefined) found.push(`${entry.code} never seen`)
    else if (r.status !== entry.status || r.tag !== entry.tag) found.push(`${entry.code}: ${r.status} ${r.tag}`)
  }
  const drift = rows.find((r) => r.tag === "UnexpectedResponse")
  if (drift?.status !== 502 || drift.attempts !== retry.times + 1) found.push(`the drift case: ${drift?.status} after ${drift?.attempts} attempts`)
  for (const r of rows) {
    if (r.recovered === true && r.attempts < 2) found.push(`${r.label}: recovered after ${r.attempts} attempt`)
    if (r.recovered === false && r.attempts !== retry.times + 1) found.push(`${r.label}: gave up after ${r.attempts} attempts`)
    if (Catalog.byCode(r.code)?.transient === false && r.attempts !== 1) found.push(`${r.label}: ${r.code} asked ${r.attempts} times`)
  }
  const waited = rows.find((r) => r.label === retryAfterLabel)
  if (waited === undefined || waited.millis < 1000) found.push(`the Retry-After case took ${waited?.millis} ms`)
  return found
}

/** How `tourAgainst` is called. */
export const usage = "usage: node dist/tourAgainst.js <base URL> <the keys, as the server's `serve --json` prints them>"

/** The server `tourAgainst`'s arguments name, or `undefined` when they are not a URL and the keys. */
export const parseArguments = (
  args: ReadonlyArray<string>
): { readonly baseUrl: string; readonly keys: DemoKeys } | undefined => {
  const [baseUrl = "", text = ""] = args
  const keys = parseDemoKeys(text)
  return keys === undefined || !URL.canParse(baseUrl) ? undefined : { baseUrl, keys }
}
