/**
 * The reference API's state. A service, so another store can be plugged in; the default keeps
 * everything in process, in `@errata/reference`'s `MemoryCollection`, whose creates honour an
 * idempotency key, so a retried create never makes two records.
 */
import { Context, Effect, Layer, Option } from "effect"
import { MemoryCollection } from "@errata/reference"
import type { Business, Contact, Message } from "./Domain.js"

/** One collection of records with UUID ids. */
export interface Collection<A extends { readonly id: string }, Input, Patch> {
  /** Creates a record; with an idempotency key already seen, returns the first record instead. */
  readonly create: (input: Input, idempotencyKey: string | undefined) => Effect.Effect<A>
  readonly get: (id: string) => Effect.Effect<Option.Option<A>>
  readonly list: (limit: number, offset: number) => Effect.Effect<MemoryCollection.Page<A>>
  readonly update: (id: string, patch: Patch) => Effect.Effect<Option.Option<A>>
  /** Whether there was a record to delete. */
  readonly remove: (id: string) => Effect.Effect<boolean>
}

/** The store of the reference API. */
export class Store extends Context.Service<Store, {
  readonly contacts: Collection<Contact, MemoryCollection.Input<Contact>, MemoryCollection.Patch<Contact>>
  readonly businesses: Collection<Business, MemoryCollection.Input<Business>, MemoryCollection.Patch<Business>>
  readonly messages: Collection<Message, MemoryCollection.Input<Message>, MemoryCollection.Patch<Message>>
}>()("@errata/demo-effect4/Store") {
  /** Everything in process memory; state lives as long as the layer. */
  static readonly layerMemory = Layer.sync(Store, () => ({
    contacts: memoryCollection<Contact>(),
    businesses: memoryCollection<Business>(),
    messages: memoryCollection<Message>()
  }))
}

// The shared in-memory collection, its operations as effects.
const memoryCollection = <A extends { readonly id: string; readonly createdAt: string }>(): Collection<
  A,
  MemoryCollection.Input<A>,
  MemoryCollection.Patch<A>
> => {
  const records = MemoryCollection.make<A>()
  return {
    create: (input, idempotencyKey) => Effect.sync(() => records.create(input, idempotencyKey)),
    get: (id) => Effect.sync(() => Option.fromUndefinedOr(records.get(id))),
    list: (limit, offset) => Effect.sync(() => records.list(limit, offset)),
    update: (id, patch) => Effect.sync(() => Option.fromUndefinedOr(records.update(id, patch))),
    remove: (id) => Effect.sync(() => records.remove(id))
  }
}
