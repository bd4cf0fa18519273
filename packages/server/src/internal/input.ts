/**
 * Turns a failed decode of one part of a request into the catalog error for that part: the body
 * gives `VALIDATION_ERROR`, the query `MISSING_QUERY` or `INVALID_INPUT`, a path ID the code of its
 * resource. Shared by `Input` (hand-written routes) and the `HttpApi` classifier.
 *
 * @internal
 */
import { Ids } from "@errata/api"
import { ApiError } from "@errata/core"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

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

const pathSegment = (key: PropertyKey): string | number => (typeof key === "symbol" ? String(key) : key)

/** One issue as errata words it: where, and what is wrong there, for the people who sent it. */
interface Worded {
  /** `Missing` for an absent key, the one kind `MISSING_QUERY` is told by. */
  readonly _tag: "Missing" | "Invalid"
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

const bound = (issues: ReadonlyArray<Worded>, prefix: ReadonlyArray<string | number>): ReadonlyArray<ApiError.Issue> =>
  issues.slice(0, MAX_ISSUES).map((i) => ({
    path: [...prefix, ...i.path.map(pathSegment)],
    message: truncate(i.message, MAX_MESSAGE_LENGTH, "…")
  }))

/**
 * Issues the platform already formatted (an `HttpApiDecodeError`'s), made safe to send: the
 * formatter's messages spell out the schema (`Expected { readonly name: minLength(1) … }`), so
 * each is replaced by the generic wording of its kind; at most `MAX_ISSUES`, symbol keys written
 * out.
 */
export const boundIssues = (
  issues: ReadonlyArray<{ readonly _tag: string; readonly path: ReadonlyArray<PropertyKey> }>,
  prefix: ReadonlyArray<string | number> = []
): ReadonlyArray<ApiError.Issue> =>
  bound(
    issues.map((i) => ({
      _tag: i._tag === "Missing" ? "Missing" : "Invalid",
      path: i.path,
      message: i._tag === "Missing" ? IS_REQUIRED : i._tag === "Unexpected" ? IS_UNEXPECTED : IS_INVALID
    })),
    prefix
  )

const IS_REQUIRED = "is required"
const IS_INVALID = "is invalid"
const IS_UNEXPECTED = "is not allowed"
const MAX_LISTED_VALUES = 10

const isUndefinedMember = (issue: ParseResult.ParseIssue): boolean =>
  issue._tag === "Type" && issue.ast._tag === "UndefinedKeyword"

const isMany = <A>(issues: A | ReadonlyArray<A>): issues is ReadonlyArray<A> => Array.isArray(issues)

const many = <A>(issues: A | ReadonlyArray<A>): ReadonlyArray<A> => (isMany(issues) ? issues : [issues])

const plural = (n: number, one: string, other: string) => `${n} ${n === 1 ? one : other}`

const literalText = (literal: AST.LiteralValue): string =>
  typeof literal === "string" ? JSON.stringify(literal) : literal === null ? "null" : String(literal)

// The values a union of literals (or an enum) allows, `undefined` (an optional's) left out.
const allowedValues = (ast: AST.AST): ReadonlyArray<string> | undefined => {
  if (ast._tag === "Literal") return [literalText(ast.literal)]
  if (ast._tag === "Enums") return ast.enums.map(([, value]) => literalText(value))
  if (ast._tag !== "Union") return undefined
  const out: Array<string> = []
  for (const member of ast.types) {
    if (member._tag === "UndefinedKeyword") continue
    const values = allowedValues(member)
    if (values === undefined) return undefined
    out.push(...values)
  }
  return out
}

// What a value of `ast` is, as a noun ("a string"), for the kinds people know; `undefined` else.
const nounOf = (ast: AST.AST): string | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "a boolean"
    case "BigIntKeyword":
      return "an integer"
    case "TypeLiteral":
    case "ObjectKeyword":
      return "an object"
    case "TupleType":
      return "an array"
    case "Literal":
      return literalText(ast.literal)
    case "Refinement":
    case "Transformation":
      return nounOf(ast.from)
    case "Suspend":
      return nounOf(ast.f())
    case "Union": {
      const nouns = new Set<string>()
      for (const member of ast.types) {
        if (member._tag === "UndefinedKeyword") continue
        const noun = nounOf(member)
        if (noun === undefined) return undefined
        nouns.add(noun)
      }
      return nouns.size === 0 ? undefined : [...nouns].join(" or ")
    }
    default:
      return undefined
  }
}

/** What a value that is not of the type `ast` is told; the body as a whole must be an object. */
const expected = (ast: AST.AST, path: ReadonlyArray<PropertyKey>): string => {
  if (path.length === 0 && (ast._tag === "TypeLiteral" || ast._tag === "ObjectKeyword")) return "must be a JSON object"
  if (ast._tag === "NeverKeyword") return IS_UNEXPECTED
  const values = allowedValues(ast)
  if (values !== undefined && values.length > 1) {
    return values.length <= MAX_LISTED_VALUES ? `must be one of ${values.join(", ")}` : "is not one of the allowed values"
  }
  const noun = nounOf(ast)
  return noun === undefined ? IS_INVALID : `must be ${noun}`
}

const numberIn = (json: unknown, key: string): number | undefined => {
  const value = Predicate.isRecord(json) ? json[key] : undefined
  return typeof value === "number" ? value : undefined
}

const stringIn = (ast: AST.AST, id: symbol, key: string): string | undefined => {
  const value = Option.getOrUndefined(AST.getAnnotation<unknown>(ast, id))
  const text = Predicate.isRecord(value) ? value[key] : undefined
  return typeof text === "string" ? JSON.stringify(text) : undefined
}

const when = <A>(value: A | undefined, f: (a: A) => string): string => (value === undefined ? IS_INVALID : f(value))

/** The wording of a failed filter of `effect/Schema`, told by its schema ID and parameters. */
const refinementMessage = (ast: AST.Refinement): string => {
  const id = Option.getOrUndefined(AST.getSchemaIdAnnotation(ast))
  const json = Option.getOrUndefined(AST.getJSONSchemaAnnotation(ast))
  const param = (key: string) => numberIn(json, key)
  switch (id) {
    case Schema.MinLengthSchemaId:
      return when(param("minLength"), (n) => (n === 1 ? "must not be empty" : `must be at least ${plural(n, "character", "characters")}`))
    case Schema.MaxLengthSchemaId:
      return when(param("maxLength"), (n) => `must be at most ${plural(n, "character", "characters")}`)
    case Schema.LengthSchemaId: {
      const [from, to] = [param("minLength"), param("maxLength")]
      if (from === undefined || to === undefined) return IS_INVALID
      return from === to
        ? `must be exactly ${plural(from, "character", "characters")}`
        : `must be between ${from} and ${plural(to, "character", "characters")}`
    }
    case Schema.MinItemsSchemaId:
      return when(param("minItems"), (n) => `must have at least ${plural(n, "item", "items")}`)
    case Schema.MaxItemsSchemaId:
      return when(param("maxItems"), (n) => `must have at most ${plural(n, "item", "items")}`)
    case Schema.ItemsCountSchemaId:
      return when(param("minItems"), (n) => `must have exactly ${plural(n, "item", "items")}`)
    case Schema.UUIDSchemaId:
      return "must be a UUID"
    case Schema.ULIDSchemaId:
      return "must be a ULID"
    case Schema.PatternSchemaId:
      return "is not in the expected format"
    case Schema.StartsWithSchemaId:
      return when(stringIn(ast, Schema.StartsWithSchemaId, "startsWith"), (s) => `must start with ${s}`)
    case Schema.EndsWithSchemaId:
      return when(stringIn(ast, Schema.EndsWithSchemaId, "endsWith"), (s) => `must end with ${s}`)
    case Schema.IncludesSchemaId:
      return when(stringIn(ast, Schema.IncludesSchemaId, "includes"), (s) => `must include ${s}`)
    case Schema.TrimmedSchemaId:
      return "must not start or end with whitespace"
    case Schema.LowercasedSchemaId:
      return "must be lowercase"
    case Schema.UppercasedSchemaId:
      return "must be uppercase"
    case Schema.IntSchemaId:
      return "must be an integer"
    case Schema.FiniteSchemaId:
      return "must be a finite number"
    case Schema.NonNaNSchemaId:
      return "must be a number"
    case Schema.GreaterThanSchemaId:
      return when(param("exclusiveMinimum"), (n) => `must be greater than ${n}`)
    case Schema.GreaterThanOrEqualToSchemaId:
      return when(param("minimum"), (n) => `must be at least ${n}`)
    case Schema.LessThanSchemaId:
      return when(param("exclusiveMaximum"), (n) => `must be less than ${n}`)
    case Schema.LessThanOrEqualToSchemaId:
      return when(param("maximum"), (n) => `must be at most ${n}`)
    case Schema.BetweenSchemaId: {
      const [from, to] = [param("minimum"), param("maximum")]
      return from === undefined || to === undefined ? IS_INVALID : `must be between ${from} and ${to}`
    }
    case Schema.MultipleOfSchemaId:
      return when(param("multipleOf"), (n) => `must be a multiple of ${n}`)
    case Schema.ValidDateSchemaId:
      return "must be a valid date"
    default:
      return IS_INVALID
  }
}

// A failure of the type itself, below any refinement or transformation: "not a string".
const isTypeMismatch = (issue: ParseResult.ParseIssue): boolean => {
  switch (issue._tag) {
    case "Type":
      return true
    case "Refinement":
      return issue.kind === "From" && isTypeMismatch(issue.issue)
    case "Transformation":
      return issue.kind === "Encoded" && isTypeMismatch(issue.issue)
    default:
      return false
  }
}

/**
 * The schema's own `message` annotation for `issue`, when it applies there: as in the formatters of
 * `effect`, a refinement's message is for its own predicate and a transformation's for its own
 * step, unless it says `override: true`; a failure inside them keeps the inner wording.
 */
const ownMessage = (issue: ParseResult.ParseIssue): Effect.Effect<string | undefined> => {
  if (issue._tag === "Pointer" || issue._tag === "Missing" || issue._tag === "Unexpected") return Effect.succeed(undefined)
  const annotation = AST.getMessageAnnotation(issue.ast)
  if (Option.isNone(annotation)) return Effect.succeed(undefined)
  const out = annotation.value(issue)
  const { message, override } = typeof out === "string" || Effect.isEffect(out) ? { message: out, override: false } : out
  const inner = !override && (
    issue._tag === "Composite" ||
    (issue._tag === "Refinement" && issue.kind === "From") ||
    (issue._tag === "Transformation" && issue.kind !== "Transformation")
  )
  if (inner) return Effect.succeed(undefined)
  return typeof message === "string" ? Effect.succeed(message) : message
}

const missingMessage = (issue: ParseResult.Missing): Effect.Effect<string> => {
  const annotation = AST.getMissingMessageAnnotation(issue.ast)
  if (Option.isNone(annotation)) return Effect.succeed(IS_REQUIRED)
  const out = annotation.value()
  return typeof out === "string" ? Effect.succeed(out) : out
}

/**
 * The issues of a failed decode, one per failing field, in words for the API's users: "is
 * required", "must be a string", "must be at most 200 characters", a schema's own `message`
 * annotation where it has one, "is invalid" for anything else. Never the schema itself, nor the
 * input (the formatters of `effect` quote both). A failed union is reported once, as the union
 * (`Schema.optional(X)` fails as X, not once more as "undefined"); a filter's own string is its
 * author's wording and is kept.
 */
const collect = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): Effect.Effect<ReadonlyArray<Worded>> =>
  Effect.flatMap(ownMessage(issue), (message) =>
    message === undefined ? wordsOf(issue, path) : Effect.succeed([{ _tag: "Invalid", path, message }]))

const one = (path: ReadonlyArray<PropertyKey>, message: string): Effect.Effect<ReadonlyArray<Worded>> =>
  Effect.succeed([{ _tag: "Invalid", path, message }])

const wordsOf = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): Effect.Effect<ReadonlyArray<Worded>> => {
  const all = (issues: ReadonlyArray<ParseResult.ParseIssue>) =>
    Effect.map(Effect.forEach(issues, (i) => collect(i, path)), (out) => out.flat())
  switch (issue._tag) {
    case "Pointer":
      return collect(issue.issue, [...path, ...many(issue.path)])
    case "Composite": {
      if (issue.ast._tag !== "Union") return all(many(issue.issues))
      const members = many(issue.issues).filter((i) => !isUndefinedMember(i))
      const [only] = members
      if (members.length === 1 && only !== undefined) return collect(only, path)
      if (members.every(isTypeMismatch)) return one(path, expected(issue.ast, path))
      return all(members)
    }
    case "Refinement": {
      if (issue.kind === "From") return collect(issue.issue, path)
      const inner = issue.issue
      if (inner._tag !== "Type") return collect(inner, path)
      return one(path, inner.message ?? refinementMessage(issue.ast))
    }
    case "Transformation":
      return issue.kind === "Transformation" ? one(path, expected(issue.ast.to, path)) : collect(issue.issue, path)
    case "Type":
      return one(path, expected(issue.ast, path))
    case "Missing":
      return Effect.map(missingMessage(issue), (message) => [{ _tag: "Missing", path, message }])
    case "Unexpected":
      return one(path, IS_UNEXPECTED)
    case "Forbidden":
      return one(path, IS_INVALID)
  }
}

/** The issues of a failed decode, one per failing field. */
export const issuesOf = (
  issue: ParseResult.ParseIssue,
  prefix: ReadonlyArray<string | number> = []
): Effect.Effect<ReadonlyArray<ApiError.Issue>> => Effect.map(collect(issue, []), (issues) => bound(issues, prefix))

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
    // An absent key is a `Missing` issue at that key.
    const missing = formatted.find((i) => i._tag === "Missing" && i.path.length === 1)?.path[0]
    if (typeof missing === "string") {
      return Effect.succeed(
        new ApiError.MissingQuery({
          message: `Query parameter "${truncate(missing, VALUE_MAX_LENGTH, "…")}" is required`,
          details: { parameter: missing }
        })
      )
    }
    return Effect.succeed(new ApiError.InvalidInput({ details: { issues: bound(formatted, []) } }))
  }
  )

/** Headers that failed their schema: `INVALID_INPUT`, rooted at the header name. */
export const headersError = (issue: ParseResult.ParseIssue): Effect.Effect<ApiError.InvalidInput> =>
  Effect.map(issuesOf(issue), (issues) => new ApiError.InvalidInput({ details: { issues } }))

interface IdFailure {
  readonly code: Ids.InvalidIdCode
  readonly actual: unknown
}

const idFailureOf = (issue: ParseResult.ParseIssue): IdFailure | undefined => {
  if (issue._tag !== "Missing" && "ast" in issue) {
    const code = Ids.codeOf(issue.ast)
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
 * errata's ID annotation) gives its resource's code with the value; anything else `INVALID_INPUT`.
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

