/**
 * The reference API's state. A service, so another store can be plugged in; the default keeps
 * everything in process. Creates honour an idempotency key, so a retried create never makes two
 * records.
 */
import { Context, Effect, Layer, Option } from "effect"
import type { Business, Contact, Message } from "./Domain.js"

/** One page of a list. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number
}

/** One collection of records with UUID ids. */
export interface Collection<A extends { readonly id: string }, Input, Patch> {
  /** Creates a record; with an idempotency key already seen, returns the first record instead. */
  readonly create: (input: Input, idempotencyKey: string | undefined) => Effect.Effect<A>
  readonly get: (id: string) => Effect.Effect<Option.Option<A>>
  readonly list: (limit: number, offset: number) => Effect.Effect<Page<A>>
  readonly update: (id: string, patch: Patch) => Effect.Effect<Option.Option<A>>
  /** Whether there was a record to delete. */
  readonly remove: (id: string) => Effect.Effect<boolean>
}

/** A change to some fields of a record; an `undefined` field is left as it is. */
export type Patch<A> = { readonly [K in keyof Omit<A, "id" | "createdAt">]?: A[K] | undefined }

/** What a create takes: every field but the ones the store sets. */
export type Input<A> = Omit<A, "id" | "createdAt">

/** The store of the reference API. */
export class Store extends Context.Service<Store, {
  readonly contacts: Collection<Contact, Input<Contact>, Patch<Contact>>
  readonly businesses: Collection<Business, Input<Business>, Patch<Business>>
  readonly messages: Collection<Message, Input<Message>, Patch<Message>>
}>()("@errata/demo-effect4/Store") {
  /** Everything in process memory; state lives as long as the layer. */
  static readonly layerMemory = Layer.sync(Store, () => ({
    contacts: memoryCollection<Contact, Input<Contact>, Patch<Contact>>(),
    businesses: memoryCollection<Business, Input<Business>, Patch<Business>>(),
    messages: memoryCollection<Message, Input<Message>, Patch<Message>>()
  }))
}

const memoryCollection = <A extends { readonly id: string; readonly createdAt: string }, Input extends object, Patch extends object>(): Collection<
  A,
  Input,
  Patch
> => {
  // A Map keeps insertion order, which is the list order; JavaScript is single-threaded, so the
  // synchronous bodies below are atomic with respect to other fibers.
  const records = new Map<string, A>()
  const byIdempotencyKey = new Map<string, string>()
  const build = (input: Input): A => {
    const record: { readonly id: string; readonly createdAt: string } = {
      ...input,
      id: crypto.randomUUID(),
      createdAt: new Date().toISOString()
    }
    // Boundary: `A` is exactly the input plus `id` and `createdAt` for the three demo resources.
    return record as A
  }
  return {
    create: (input, idempotencyKey) =>
      Effect.sync(() => {
        const seen = idempotencyKey === undefined ? undefined : byIdempotencyKey.get(idempotencyKey)
        const existing = seen === undefined ? undefined : records.get(seen)
        if (existing !== undefined) return existing
        const record = build(input)
        records.set(record.id, record)
        if (idempotencyKey !== undefined) byIdempotencyKey.set(idempotencyKey, record.id)
        return record
      }),
    get: (id) => Effect.sync(() => Option.fromNullishOr(records.get(id))),
    list: (limit, offset) =>
      Effect.sync(() => ({ items: [...records.values()].slice(offset, offset + limit), total: records.size })),
    update: (id, patch) =>
      Effect.sync(() => {
        const existing = records.get(id)
        if (existing === undefined) return Option.none()
        const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
        const updated: A = { ...existing, ...defined, id: existing.id, createdAt: existing.createdAt }
        records.set(id, updated)
        return Option.some(updated)
      }),
    remove: (id) => Effect.sync(() => records.delete(id))
  }
}
