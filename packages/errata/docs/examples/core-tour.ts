import { Effect, Result } from "effect"
import { ApiError, Wire } from "errata"

// What a client got back: any status, headers and body.
const response = {
  status: 404,
  headers: { "x-request-id": "req_42" },
  body: '{"error":{"code":"NOT_FOUND","message":"Contact not found"}}'
}

// Decode it to one tagged error (never fails, never throws), then handle it the Effect way.
export const program = Effect.fail(Wire.decode(response)).pipe(
  Effect.catchTags({ NotFound: (e) => Effect.succeed(`${e.message} (request ${e.requestId})`) }),
  ApiError.catchCategory("server", () => Effect.succeed("the API is having a moment; try later"))
)

// Or keep the failure as a value.
export const outcome = Effect.result(Effect.fail(Wire.decode({ status: 502, body: "<html>Bad Gateway</html>" }))).pipe(
  Effect.map(Result.match({ onSuccess: () => "ok", onFailure: (e) => `${e._tag}: ${e.message}` }))
)
