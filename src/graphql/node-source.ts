import { RouteKind } from '../auth/policy';

/** Where a GraphQL object came from; nested fields read from the same place. */
export interface NodeSource {
  /** The snapshot the object was read from: its nested fields are read from it too. */
  snapshotId: string;
  /** Masking route kind of the root field it hangs under (`customer` = single, lists = list). */
  kind: RouteKind;
  /** Facts (orders, events) are served up to this instant: the snapshot's as_of, or `asOf`. */
  until: string;
}

export const SOURCE: unique symbol = Symbol('c360.source');

/** An object handed to GraphQL with its source attached (a symbol key: never serialised). */
export type Sourced<T> = T & { readonly [SOURCE]: NodeSource };

export function sourced<T extends object>(value: T, source: NodeSource): Sourced<T> {
  return Object.assign(value, { [SOURCE]: source });
}
