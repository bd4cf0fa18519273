/**
 * One collection of records with UUID IDs, in process memory, with no Effect: each edition's
 * `Store` wraps its operations in its own `Effect.sync`. Creates honour an idempotency key, so a
 * retried create never makes two records.
 */

/** One page of a list. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number
}

/** The operations of a collection, synchronous. */
export interface MemoryCollection<A, Input, Patch> {
  /** Creates a record; with an idempotency key already seen, returns the first record instead. */
  readonly create: (input: Input, idempotencyKey: string | undefined) => A
  readonly get: (id: string) => A | undefined
  readonly list: (limit: number, offset: number) => Page<A>
  /** The record with the patch's defined fields changed, or `undefined` when there is none. */
  readonly update: (id: string, patch: Patch) => A | undefined
  /** Whether there was a record to delete. */
  readonly remove: (id: string) => boolean
}

/** A change to some fields of a record; an `undefined` field is left as it is. */
export type Patch<A> = { readonly [K in keyof Omit<A, "id" | "createdAt">]?: A[K] | undefined }

/** What a create takes: every field but the ones the store sets. */
export type Input<A> = Omit<A, "id" | "createdAt">

/** An empty collection of records of type `A`, which is its input plus `id` and `createdAt`. */
export const make = <A extends { readonly id: string; readonly createdAt: string }, I extends object = Input<A>, P extends object = Patch<A>>(): MemoryCollection<A, I, P> => {
  // A Map keeps insertion order, which is the list order; JavaScript is single-threaded, so each
  // operation is atomic with respect to other fibers.
  const records = new Map<string, A>()
  const byIdempotencyKey = new Map<string, string>()
  const build = (input: I): A => {
    const record: { readonly id: string; readonly createdAt: string } = {
      ...input,
      id: crypto.randomUUID(),
      createdAt: new Date().toISOString()
    }
    // Boundary: `A` is exactly the input plus `id` and `createdAt` for the reference API's resources.
    return record as A
  }
  return {
    create: (input, idempotencyKey) => {
      const seen = idempotencyKey === undefined ? undefined : byIdempotencyKey.get(idempotencyKey)
      const existing = seen === undefined ? undefined : records.get(seen)
      if (existing !== undefined) return existing
      const record = build(input)
      records.set(record.id, record)
      if (idempotencyKey !== undefined) byIdempotencyKey.set(idempotencyKey, record.id)
      return record
    },
    get: (id) => records.get(id),
    list: (limit, offset) => ({ items: [...records.values()].slice(offset, offset + limit), total: records.size }),
    update: (id, patch) => {
      const existing = records.get(id)
      if (existing === undefined) return undefined
      const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
      const updated: A = { ...existing, ...defined, id: existing.id, createdAt: existing.createdAt }
      records.set(id, updated)
      return updated
    },
    remove: (id) => records.delete(id)
  }
}
