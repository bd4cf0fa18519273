/** Walks into parsed JSON by keys (array indices as numbers); `undefined` where nothing is there. */
export const at = (value: unknown, ...keys: ReadonlyArray<string | number>): unknown =>
  keys.reduce<unknown>(
    (current, key) => (typeof current === "object" && current !== null ? Reflect.get(current, key) : undefined),
    value
  )

/** A plain JSON copy: typed objects (an OpenAPI document) become data to walk. */
export const toJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

/** What a body that is not JSON gets, from `HttpApi` endpoints and `Input.body` alike. */
export const notJsonResponse = {
  error: {
    code: "VALIDATION_ERROR",
    message: "Request body is not valid JSON",
    details: { issues: [{ path: [], message: "Expected a JSON document" }] }
  }
} as const
