import { ApiClient } from "@errata/client"
import { Ids } from "@errata/api"
import { Effect } from "effect"
import { Api } from "./getting-started-api.js"

// The client derived from the same definition: `contacts.get` fails with exactly the errors declared
// for it (NotFound, InvalidContactId, Unauthorized, RateLimitExceeded, ServiceUnavailable), drift
// and transport; a 503 or a 429 is retried before it gets here.
export const nameOf = (baseUrl: string, id: typeof Ids.ContactId.Type) =>
  Effect.gen(function*() {
    const client = yield* ApiClient.fromApi(Api, { baseUrl, apiKey: "sk_live_example" })
    const { data } = yield* client.contacts.get({ path: { contactId: id } })
    return data.name
  }).pipe(
    Effect.catchTags({
      NotFound: (e) => Effect.succeed(`no such contact (request ${e.requestId})`),
      Unauthorized: () => Effect.succeed("check the API key")
    })
  )
