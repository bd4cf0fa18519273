import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { ApiError } from "@errata/core"
import { ServerErrors } from "@errata/server"
import { Effect } from "effect"

let maintenance = true

export const setMaintenance = (on: boolean) => {
  maintenance = on
}

// A hand-written handler that answers instead of failing: same status, body and headers.
export const status = HttpRouter.get(
  "/status",
  Effect.sync(() =>
    maintenance
      ? ServerErrors.respond(new ApiError.ServiceUnavailable({ message: "Down for maintenance" }))
      : HttpServerResponse.unsafeJson({ data: { status: "ok" } })
  )
)

export const app = HttpRouter.empty.pipe(status, ServerErrors.middleware)
