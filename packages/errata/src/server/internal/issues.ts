/**
 * Turns a failed decode of one part of a request into the catalog error for that part: the body
 * gives `VALIDATION_ERROR`, the query `MISSING_QUERY` or `INVALID_INPUT`, headers `INVALID_INPUT`,
 * a path ID the code of its resource. Shared by `Input` (hand-written routes) and the answer to
 * `HttpApi`'s `HttpApiSchemaError`.
 *
 * The issues are written for the people who sent the request: "is required", "must be a string",
 * "must be at most 200 characters", a schema's own `message` annotation where it has one, "is
 * invalid" for anything else. Never the schema itself, nor the input (the formatters of `effect`
 * spell out both).
 *
 * @internal
 */
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"
import * as ApiError from "../../ApiError.js"
import * as Ids from "../../api/Ids.js"
import { codeOfCheck, type InvalidIdCode } from "../../api/internal/idCode.js"

/** The most issues one response lists; a huge invalid array must not become a huge response. */
export const MAX_ISSUES = 50

/** The longest issue message, in UTF-16 code units; messages may quote the schema's own words. */
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

const IS_REQUIRED = "is required"
const IS_INVALID = "is invalid"
const IS_UNEXPECTED = "is not allowed"
const MAX_LISTED_VALUES = 10

/** One issue as errata words it: where, and what is wrong there. */
interface Worded {
  /** An absent key: the one kind `MISSING_QUERY` is told by. */
  readonly missing: boolean
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

const one = (path: ReadonlyArray<PropertyKey>, message: string): ReadonlyArray<Worded> => [{ missing: false, path, message }]

const pathSegment = (key: PropertyKey): string | number => (typeof key === "symbol" ? String(key) : key)

const bound = (issues: ReadonlyArray<Worded>): ReadonlyArray<ApiError.Issue> =>
  issues.slice(0, MAX_ISSUES).map((i) => ({
    path: i.path.map(pathSegment),
    message: truncate(i.message, MAX_MESSAGE_LENGTH, "…")
  }))

const plural = (n: number, one: string, other: string) => `${n} ${n === 1 ? one : other}`

const literalText = (literal: unknown): string =>
  typeof literal === "string" ? JSON.stringify(literal) : literal === null ? "null" : String(literal)

// The values a union of literals (or an enum) allows, `undefined` (an optional's) left out.
const allowedValues = (ast: SchemaAST.AST): ReadonlyArray<string> | undefined => {
  switch (ast._tag) {
    case "Literal":
      return [literalText(ast.literal)]
    case "Enum":
      return ast.enums.map(([, value]) => literalText(value))
    case "Union": {
      const out: Array<string> = []
      for (const member of ast.types) {
        if (member._tag === "Undefined") continue
        const values = allowedValues(member)
        if (values === undefined) return undefined
        out.push(...values)
      }
      return out
    }
    default:
      return undefined
  }
}

// What a value of `ast` is, as a noun ("a string"), for the kinds people know; `undefined` else.
const nounOf = (ast: SchemaAST.AST, depth = 0): string | undefined => {
  if (depth > 16) return undefined
  switch (ast._tag) {
    case "String":
    case "TemplateLiteral":
      return "a string"
    case "Number":
      return "a number"
    case "Boolean":
      return "a boolean"
    case "BigInt":
      return "an integer"
    case "Objects":
    case "ObjectKeyword":
      return "an object"
    case "Arrays":
      return "an array"
    case "Null":
      return "null"
    case "Literal":
      return literalText(ast.literal)
    case "Suspend":
      return nounOf(ast.thunk(), depth + 1)
    case "Union": {
      const nouns = new Set<string>()
      for (const member of ast.types) {
        if (member._tag === "Undefined") continue
        const noun = nounOf(member, depth + 1)
        if (noun === undefined) return undefined
        nouns.add(noun)
      }
      return nouns.size === 0 ? undefined : [...nouns].join(" or ")
    }
    default:
      return undefined
  }
}

// The one member of a union that has one (an optional's `undefined` left out), else the node.
const single = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (ast._tag !== "Union") return ast
  const members = ast.types.filter((member) => member._tag !== "Undefined")
  const [only, ...others] = members
  return only !== undefined && others.length === 0 ? single(only) : ast
}

const oneOf = (values: ReadonlyArray<string>): string =>
  values.length <= MAX_LISTED_VALUES ? `must be one of ${values.join(", ")}` : "is not one of the allowed values"

/** What a value that is not of the type `ast` is told; the body as a whole must be an object. */
const expected = (ast: SchemaAST.AST, path: ReadonlyArray<PropertyKey>): string => {
  const bare = single(ast)
  if (path.length === 0 && (bare._tag === "Objects" || bare._tag === "ObjectKeyword")) return "must be a JSON object"
  if (bare._tag === "Never") return IS_UNEXPECTED
  const values = allowedValues(bare)
  if (values !== undefined && values.length > 1) return oneOf(values)
  const noun = nounOf(bare)
  return noun === undefined ? IS_INVALID : `must be ${noun}`
}

const stringAt = (value: unknown, key: string): string | undefined => {
  const found = typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined
  return typeof found === "string" ? found : undefined
}

const numberAt = (value: unknown, key: string): number | undefined => {
  const found = typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined
  return typeof found === "number" ? found : undefined
}

const when = <A>(value: A | undefined, f: (a: A) => string): string => (value === undefined ? IS_INVALID : f(value))

/**
 * The wording of a failed check of `effect/Schema`, told by its representation (`id` and
 * `payload`, which every built-in check carries). `owner` is the node the check is on: a length
 * is in characters for a string and in items for an array.
 */
const checkMessage = (filter: SchemaAST.Filter<unknown>, owner: SchemaAST.AST | undefined): string => {
  const representation = filter.annotations?.representation
  const id = stringAt(representation, "id")
  const payload = typeof representation === "object" && representation !== null ? Reflect.get(representation, "payload") : undefined
  const param = (key: string) => numberAt(payload, key)
  const quoted = (key: string) => {
    const text = stringAt(payload, key)
    return text === undefined ? undefined : JSON.stringify(text)
  }
  const items = owner?._tag === "Arrays"
  const unit = (n: number) => (items ? plural(n, "item", "items") : plural(n, "character", "characters"))
  switch (id) {
    case "effect/schema/isMinLength":
      return when(param("minLength"), (n) => (n === 1 && !items ? "must not be empty" : `must ${items ? "have" : "be"} at least ${unit(n)}`))
    case "effect/schema/isMaxLength":
      return when(param("maxLength"), (n) => `must ${items ? "have" : "be"} at most ${unit(n)}`)
    case "effect/schema/isBetweenLength": {
      const [from, to] = [param("minimum"), param("maximum")]
      if (from === undefined || to === undefined) return IS_INVALID
      const verb = items ? "have" : "be"
      return from === to ? `must ${verb} exactly ${unit(from)}` : `must ${verb} between ${from} and ${unit(to)}`
    }
    case "effect/schema/isUUID":
    case "effect/schema/isGUID":
      return "must be a UUID"
    case "effect/schema/isULID":
      return "must be a ULID"
    case "effect/schema/isPattern":
      return "is not in the expected format"
    case "effect/schema/isStartingWith":
      return when(quoted("startsWith"), (s) => `must start with ${s}`)
    case "effect/schema/isEndingWith":
      return when(quoted("endsWith"), (s) => `must end with ${s}`)
    case "effect/schema/isIncluding":
      return when(quoted("includes"), (s) => `must include ${s}`)
    case "effect/schema/isTrimmed":
      return "must not start or end with whitespace"
    case "effect/schema/isLowercased":
      return "must be lowercase"
    case "effect/schema/isUppercased":
      return "must be uppercase"
    case "effect/schema/isCapitalized":
      return "must start with an uppercase letter"
    case "effect/schema/isUncapitalized":
      return "must start with a lowercase letter"
    case "effect/schema/isInt":
      return "must be an integer"
    // NaN and infinities, which is what a query string that is not a number decodes to, and the
    // check of a number's string form (query, path, headers).
    case "effect/schema/isFinite":
    case "effect/schema/isStringFinite":
      return "must be a number"
    case "effect/schema/isGreaterThan":
      return when(param("exclusiveMinimum"), (n) => `must be greater than ${n}`)
    case "effect/schema/isGreaterThanOrEqualTo":
      return when(param("minimum"), (n) => `must be at least ${n}`)
    case "effect/schema/isLessThan":
      return when(param("exclusiveMaximum"), (n) => `must be less than ${n}`)
    case "effect/schema/isLessThanOrEqualTo":
      return when(param("maximum"), (n) => `must be at most ${n}`)
    case "effect/schema/isBetween": {
      const [from, to] = [param("minimum"), param("maximum")]
      return from === undefined || to === undefined ? IS_INVALID : `must be between ${from} and ${to}`
    }
    case "effect/schema/isMultipleOf":
      return when(param("divisor"), (n) => `must be a multiple of ${n}`)
    case "effect/schema/isUnique":
      return "must not have duplicates"
    default:
      return IS_INVALID
  }
}

const messageOf = (annotations: unknown, key = "message"): string | undefined => stringAt(annotations, key)

// A failure of the type itself (no member of a union even had the type): worded by type.
const isTypeFailure = (issue: SchemaIssue.Issue): boolean =>
  issue._tag === "InvalidType" || (issue._tag === "AnyOf" && issue.issues.every(isTypeFailure)) ||
  (issue._tag === "InvalidValue" && messageOf(issue.annotations) === undefined)

// The values the encoded side of a codec allows, when it allows only a few literals (a boolean's
// `"true"` and `"false"` in a query string): what the client can send, rather than the type.
const encodedValues = (issue: SchemaIssue.Issue): ReadonlyArray<string> | undefined => {
  const ast = issue._tag === "InvalidType" || issue._tag === "AnyOf" ? issue.ast : undefined
  const values = ast === undefined ? undefined : allowedValues(ast)
  return values !== undefined && values.length > 1 ? values : undefined
}

/**
 * The issues of a failed decode, one per failing field. The checks of one node answer with their
 * first failure (a field gets one message, as it does when checks stop at the first), a failed
 * union with the member it came closest to, or as the union when it matched none.
 */
const collect = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<PropertyKey>,
  owner: SchemaIssue.Issue | undefined = undefined
): ReadonlyArray<Worded> => {
  switch (issue._tag) {
    case "Pointer":
      return collect(issue.issue, [...path, ...issue.path])
    case "Composite": {
      const out: Array<Worded> = []
      let checked = false
      for (const inner of issue.issues) {
        if (inner._tag === "Filter") {
          if (checked) continue
          checked = true
        }
        out.push(...collect(inner, path, issue))
      }
      return out
    }
    case "AnyOf": {
      const own = messageOf(issue.ast.annotations)
      if (own !== undefined) return one(path, own)
      const [only, ...others] = issue.issues
      if (only === undefined) return one(path, expected(issue.ast, path))
      return others.length === 0 ? collect(only, path) : issue.issues.flatMap((inner) => collect(inner, path))
    }
    case "Filter": {
      const own = messageOf(issue.filter.annotations) ?? (issue.issue._tag === "InvalidValue" ? messageOf(issue.issue.annotations) : undefined)
      if (own !== undefined) return one(path, own)
      if (issue.issue._tag !== "InvalidValue") return collect(issue.issue, path, owner)
      return one(path, checkMessage(issue.filter, owner?._tag === "Composite" ? owner.ast : undefined))
    }
    case "Encoding": {
      const inner = issue.issue
      const own = inner._tag === "InvalidValue" ? messageOf(inner.annotations) : undefined
      if (own !== undefined) return one(path, own)
      if (!isTypeFailure(inner)) return collect(inner, path, owner)
      const values = encodedValues(inner)
      return one(path, values === undefined ? expected(issue.ast, path) : oneOf(values))
    }
    case "InvalidType":
      return one(path, messageOf(issue.ast.annotations) ?? expected(issue.ast, path))
    case "InvalidValue":
      return one(path, messageOf(issue.annotations) ?? IS_INVALID)
    case "MissingKey":
      return [{ missing: true, path, message: messageOf(issue.annotations, "messageMissingKey") ?? IS_REQUIRED }]
    case "UnexpectedKey":
      return one(path, messageOf(issue.ast.annotations, "messageUnexpectedKey") ?? IS_UNEXPECTED)
    case "Forbidden":
    case "OneOf":
      return one(path, IS_INVALID)
  }
}

/** The issues of a failed decode, one per failing field, bounded. */
export const issuesOf = (issue: SchemaIssue.Issue): ReadonlyArray<ApiError.Issue> => bound(collect(issue, []))

/** A body that failed its schema. */
export const bodyError = (issue: SchemaIssue.Issue): ApiError.ValidationError =>
  new ApiError.ValidationError({ details: { issues: issuesOf(issue) } })

/** A body that could not be read as JSON at all: one issue for the body as a whole. */
export const notJsonError = (): ApiError.ValidationError =>
  new ApiError.ValidationError({
    message: "Request body is not valid JSON",
    details: { issues: [{ path: [], message: "Expected a JSON document" }] }
  })

/** A body that could not be read (the client hung up, the transport broke): one issue for the whole. */
export const unreadableBodyError = (): ApiError.ValidationError =>
  new ApiError.ValidationError({
    message: "Request body could not be read",
    details: { issues: [{ path: [], message: "The body could not be read" }] }
  })

/** Query parameters that failed their schema: a missing one wins, as it is the simplest to fix. */
export const queryError = (issue: SchemaIssue.Issue): ApiError.MissingQuery | ApiError.InvalidInput => {
  const worded = collect(issue, [])
  const missing = worded.find((i) => i.missing && i.path.length === 1)?.path[0]
  if (typeof missing === "string") {
    return new ApiError.MissingQuery({
      message: `Query parameter "${truncate(missing, VALUE_MAX_LENGTH, "…")}" is required`,
      details: { parameter: missing }
    })
  }
  return new ApiError.InvalidInput({ details: { issues: bound(worded) } })
}

/** Headers (or any other input) that failed their schema: `INVALID_INPUT`, rooted at the name. */
export const inputError = (issue: SchemaIssue.Issue): ApiError.InvalidInput =>
  new ApiError.InvalidInput({ details: { issues: issuesOf(issue) } })

interface IdFailure {
  readonly code: InvalidIdCode
  readonly path: ReadonlyArray<PropertyKey>
}

// The first failure of an `Ids` schema in the issue, and where it is: the failed check carries the
// code, or the node that did not even have the type.
const idFailureOf = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): IdFailure | undefined => {
  switch (issue._tag) {
    case "Pointer":
      return idFailureOf(issue.issue, [...path, ...issue.path])
    case "Filter": {
      const code = codeOfCheck(issue.filter)
      return code !== undefined ? { code, path } : idFailureOf(issue.issue, path)
    }
    case "InvalidType": {
      const code = Ids.codeOf(issue.ast)
      return code === undefined ? undefined : { code, path }
    }
    case "Encoding":
      return idFailureOf(issue.issue, path)
    case "Composite":
    case "AnyOf": {
      for (const inner of issue.issues) {
        const found = idFailureOf(inner, path)
        if (found !== undefined) return found
      }
      return undefined
    }
    default:
      return undefined
  }
}

/**
 * Path parameters that failed their schema: an `Ids` schema (or a refinement of one) gives its
 * resource's code with the value sent (`params` are the route's raw parameters), cut to 64
 * characters; anything else `INVALID_INPUT`.
 */
export const pathError = (
  issue: SchemaIssue.Issue,
  params: Readonly<Record<string, string | undefined>>
): ApiError.InvalidContactId | ApiError.InvalidMessageId | ApiError.InvalidBusinessId | ApiError.InvalidInput => {
  const failure = idFailureOf(issue, [])
  if (failure === undefined) return inputError(issue)
  const [key] = failure.path
  const raw = typeof key === "string" && Object.hasOwn(params, key) ? params[key] : undefined
  return ApiError.make(failure.code, { details: { value: truncate(raw ?? "", VALUE_MAX_LENGTH) } })
}
