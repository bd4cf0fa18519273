/**
 * API-key scopes as SPEC.md §6 describes them: `resource:action`, where a scope on a resource
 * covers its children (`contacts:read` covers `contacts.emails:read`).
 */

/** The actions a scope grants. */
export type Action = "read" | "write" | "delete"

/** The resources scopes are written over. */
export const resources = [
  "contacts",
  "customers",
  "businesses",
  "messages",
  "automations",
  "domains",
  "users",
  "organization",
  "api_keys",
  "resources"
] as const

/** A scope such as `contacts:write` or `contacts.emails:read`. */
export type Scope = `${string}:${Action}`

const parse = (scope: string): { readonly resource: string; readonly action: string } | undefined => {
  const at = scope.lastIndexOf(":")
  return at <= 0 ? undefined : { resource: scope.slice(0, at), action: scope.slice(at + 1) }
}

/** Whether a granted scope covers a required one: same action, same resource or an ancestor of it. */
export const covers = (granted: string, required: string): boolean => {
  const g = parse(granted)
  const r = parse(required)
  if (g === undefined || r === undefined || g.action !== r.action) return false
  return r.resource === g.resource || r.resource.startsWith(`${g.resource}.`)
}

/** Whether any of the granted scopes covers the required one. */
export const allows = (granted: ReadonlyArray<string>, required: string): boolean =>
  granted.some((scope) => covers(scope, required))

/** Every scope there is: what an all-access key holds. */
export const all: ReadonlyArray<Scope> = resources.flatMap((resource) =>
  (["read", "write", "delete"] as const).map((action): Scope => `${resource}:${action}`)
)
