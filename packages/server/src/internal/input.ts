/**
 * Turns a failed decode of one part of a request into the catalog error for that part: the body
 * gives `VALIDATION_ERROR`, the query `MISSING_QUERY` or `INVALID_INPUT`, a path ID the code of its
 * resource. Shared by `Input` (hand-written routes) and the `HttpApi` classifier.
 *
 * @internal
 */
import { ApiError, type Catalog } from "@errata/core"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { InvalidIdCode } from "../Ids.js"

/** The most issues one response lists; a huge invalid array must not become a huge response. */
export const MAX_ISSUES = 50

/** The longest issue message, in UTF-16 code units; messages quote the offending input. */
export const MAX_MESSAGE_LENGTH = 256

/** The longest offending value `details.value` carries, in UTF-16 code units. */
export const VALUE_MAX_LENGTH = 64

/**
 * `text` cut to at most `max` UTF-16 code units, `marker` included, never in the middle of a
 * surrogate pair. `marker` says that something was cut; a value the client sent back is cut
 * without one, so it stays a prefix of what was sent.
 */
export const truncate = (text: string, max: number, marker = ""): string => {
  if (text.length <= max) return text
  const head = text.slice(0, max - marker.length)
  const last = head.charCodeAt(head.length - 1)
  return (last >= 0xd800 && last <= 0xdbff ? head.slice(0, -1) : head) + marker
}

/** The codes an ID schema can be annotated with. */
export type IdCode = Extract<Catalog.Code, "INVALID_CONTACT_ID" | "INVALID_MESSAGE_ID" | "INVALID_BUSINESS_ID">

const isIdCode = (u: unknown): u is IdCode =>
  u === "INVALID_CONTACT_ID" || u === "INVALID_MESSAGE_ID" || u === "INVALID_BUSINESS_ID"

/**
 * The code a schema's decode failures are answered with, looked up through refinements,
 * transformations and unions so that `Schema.optional(ContactId)` or a renamed param still count.
 */
export const invalidIdCodeOf = (ast: AST.AST): IdCode | undefined => {
  const seen = new Set<AST.AST>()
  const visit = (node: AST.AST): IdCode | undefined => {
    if (seen.has(node)) return undefined
    seen.add(node)
    const own = Option.getOrUndefined(AST.getAnnotation<unknown>(node, InvalidIdCode))
    if (isIdCode(own)) return own
    switch (node._tag) {
      case "Refinement":
        return visit(node.from)
      case "Transformation":
        return visit(node.to) ?? visit(node.from)
      case "Suspend":
        return visit(node.f())
      case "Union":
        for (const member of node.types) {
          const code = visit(member)
          if (code !== undefined) return code
        }
        return undefined
      default:
        return undefined
    }
  }
  return visit(ast)
}

const pathSegment = (key: PropertyKey): string | number => (typeof key === "symbol" ? String(key) : key)

/** Bounds formatted issues: at most `MAX_ISSUES`, messages cut, symbol keys written out. */
export const boundIssues = (
  issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>,
  prefix: ReadonlyArray<string | number> = []
): ReadonlyArray<ApiError.Issue> =>
  issues.slice(0, MAX_ISSUES).map((i) => ({
    path: [...prefix, ...i.path.map(pathSegment)],
    message: truncate(i.message, MAX_MESSAGE_LENGTH, "…")
  }))

type Formatted = ReadonlyArray<ParseResult.ArrayFormatterIssue>

const isUndefinedMember = (issue: ParseResult.ParseIssue): boolean =>
  issue._tag === "Type" && issue.ast._tag === "UndefinedKeyword"

const isMany = <A>(issues: A | ReadonlyArray<A>): issues is ReadonlyArray<A> => Array.isArray(issues)

const many = <A>(issues: A | ReadonlyArray<A>): ReadonlyArray<A> => (isMany(issues) ? issues : [issues])

/**
 * The formatter's issues, one per failing field. `ArrayFormatter` reports a failed union once per
 * member, so `Schema.optional(NumberFromString)` fails twice ("Unable to decode…", "Expected
 * undefined…") and `BooleanFromString` once per literal; here the `undefined` of an optional is
 * dropped and a union of plain values is reported once, as the union.
 */
const collect = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): Effect.Effect<Formatted> => {
  const leaf = (i: ParseResult.ParseIssue) =>
    Effect.map(ParseResult.ArrayFormatter.formatIssue(i), (out) => out.map((f) => ({ ...f, path: [...path, ...f.path] })))
  const all = (issues: ReadonlyArray<ParseResult.ParseIssue>, at: ReadonlyArray<PropertyKey>) =>
    Effect.map(Effect.forEach(issues, (i) => collect(i, at)), (out) => out.flat())
  switch (issue._tag) {
    case "Pointer":
      return collect(issue.issue, [...path, ...many(issue.path)])
    case "Composite": {
      // A schema's own message annotation wins, as with the formatter.
      if (Option.isSome(AST.getMessageAnnotation(issue.ast))) return leaf(issue)
      if (issue.ast._tag !== "Union") return all(many(issue.issues), path)
      const members = many(issue.issues).filter((i) => !isUndefinedMember(i))
      const [only] = members
      if (members.length === 1 && only !== undefined) return collect(only, path)
      if (members.every((i) => i._tag === "Type")) return leaf(new ParseResult.Type(issue.ast, issue.actual))
      return all(members, path)
    }
    case "Refinement":
      return issue.kind === "From" && Option.isNone(AST.getMessageAnnotation(issue.ast))
        ? collect(issue.issue, path)
        : leaf(issue)
    case "Transformation":
      return issue.kind !== "Transformation" && Option.isNone(AST.getMessageAnnotation(issue.ast))
        ? collect(issue.issue, path)
        : leaf(issue)
    default:
      return leaf(issue)
  }
}

/** The issues of a failed decode, one per failing field. */
export const issuesOf = (
  issue: ParseResult.ParseIssue,
  prefix: ReadonlyArray<string | number> = []
): Effect.Effect<ReadonlyArray<ApiError.Issue>> => Effect.map(collect(issue, []), (issues) => boundIssues(issues, prefix))

/** A body that failed its schema. */
export const bodyError = (issue: ParseResult.ParseIssue): Effect.Effect<ApiError.ValidationError> =>
  Effect.map(issuesOf(issue), (issues) => new ApiError.ValidationError({ details: { issues } }))

/** A body that could not be read as JSON at all: one issue for the body as a whole. */
export const notJsonError = (): ApiError.ValidationError =>
  new ApiError.ValidationError({
    message: "Request body is not valid JSON",
    details: { issues: [{ path: [], message: "Expected a JSON document" }] }
  })

/** A body that could not be read (too large, cut off): one issue for the body as a whole. */
export const unreadableBodyError = (): ApiError.ValidationError =>
  new ApiError.ValidationError({
    message: "Request body could not be read",
    details: { issues: [{ path: [], message: "The body could not be read" }] }
  })

/** Query parameters that failed their schema: a missing one wins, as it is the simplest to fix. */
export const queryError = (
  issue: ParseResult.ParseIssue
): Effect.Effect<ApiError.MissingQuery | ApiError.InvalidInput> =>
  Effect.flatMap(
    collect(issue, []),
    (formatted): Effect.Effect<ApiError.MissingQuery | ApiError.InvalidInput> => {
    // The formatter reports an absent key as a `Missing` issue at that key.
    const missing = formatted.find((i) => i._tag === "Missing" && i.path.length === 1)?.path[0]
    if (typeof missing === "string") {
      return Effect.succeed(
        new ApiError.MissingQuery({
          message: `Query parameter "${truncate(missing, VALUE_MAX_LENGTH, "…")}" is required`,
          details: { parameter: missing }
        })
      )
    }
    return Effect.succeed(new ApiError.InvalidInput({ details: { issues: boundIssues(formatted) } }))
  }
  )

/** Headers that failed their schema: `INVALID_INPUT`, rooted at the header name. */
export const headersError = (issue: ParseResult.ParseIssue): Effect.Effect<ApiError.InvalidInput> =>
  Effect.map(issuesOf(issue), (issues) => new ApiError.InvalidInput({ details: { issues } }))

interface IdFailure {
  readonly code: IdCode
  readonly actual: unknown
}

const idFailureOf = (issue: ParseResult.ParseIssue): IdFailure | undefined => {
  if (issue._tag !== "Missing" && "ast" in issue) {
    const code = invalidIdCodeOf(issue.ast)
    if (code !== undefined) return { code, actual: issue.actual }
  }
  switch (issue._tag) {
    case "Pointer":
    case "Refinement":
    case "Transformation":
      return idFailureOf(issue.issue)
    case "Composite": {
      for (const i of many(issue.issues)) {
        const found = idFailureOf(i)
        if (found !== undefined) return found
      }
      return undefined
    }
    default:
      return undefined
  }
}

/**
 * Path parameters that failed their schema: an errata ID schema (or one annotated with
 * `Ids.InvalidIdCode`) gives its resource's code with the value; anything else `INVALID_INPUT`.
 */
export const pathError = (
  issue: ParseResult.ParseIssue
): Effect.Effect<ApiError.InvalidContactId | ApiError.InvalidMessageId | ApiError.InvalidBusinessId | ApiError.InvalidInput> =>
  Effect.suspend((): Effect.Effect<
    ApiError.InvalidContactId | ApiError.InvalidMessageId | ApiError.InvalidBusinessId | ApiError.InvalidInput
  > => {
    const failure = idFailureOf(issue)
    if (failure !== undefined) {
      const value = typeof failure.actual === "string" ? truncate(failure.actual, VALUE_MAX_LENGTH) : ""
      return Effect.succeed(ApiError.make(failure.code, { details: { value } }))
    }
    return Effect.map(issuesOf(issue), (issues) => new ApiError.InvalidInput({ details: { issues } }))
  })

// The same normalisation the builder applies to query strings: a single value for a key whose
// schema is an array is wrapped, so `?tag=a` decodes like `?tag=a&tag=b`.
const isSingleString = (ast: AST.AST, key?: PropertyKey): boolean => {
  switch (ast._tag) {
    case "StringKeyword":
    case "Literal":
    case "TemplateLiteral":
    case "Enums":
      return true
    case "TypeLiteral": {
      if (key === undefined) return false
      const property = ast.propertySignatures.find((p) => p.name === key)
      return property !== undefined
        ? isSingleString(property.type, key)
        : ast.indexSignatures.some((i) => Schema.is(Schema.make(i.parameter))(key) && isSingleString(i.type))
    }
    case "Union":
      return ast.types.some((t) => isSingleString(t, key))
    case "Suspend":
      return isSingleString(ast.f(), key)
    case "Refinement":
    case "Transformation":
      return isSingleString(ast.from, key)
    default:
      return false
  }
}

export const normalizeQuery = (
  params: Readonly<Record<string, string | ReadonlyArray<string>>>,
  ast: AST.AST
): Record<string, string | ReadonlyArray<string>> => {
  const out: Record<string, string | ReadonlyArray<string>> = {}
  for (const key in params) {
    const value = params[key]
    if (value === undefined) continue
    out[key] = typeof value !== "string" || isSingleString(ast, key) ? value : [value]
  }
  return out
}

