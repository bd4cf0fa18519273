import { Effect } from "effect"
import { ApiError, Wire } from "@errata/core"

// Any error response, whatever its shape, decodes to one tagged error.
const error = Wire.decode({ status: 404, headers: { "x-request-id": "req_42" }, body: '{"error":{"code":"NOT_FOUND","message":"Contact not found"}}' })

export const program = Effect.fail(error).pipe(
  Effect.catchTags({ NotFound: (e) => Effect.succeed(`${e.message} (request ${e.requestId})`) }),
  ApiError.catchCategory("server", () => Effect.succeed("the API is having a moment; try later"))
)
