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

declare const SOURCED: unique symbol;

/** An object handed to GraphQL with its source attached (see sourceOf). */
export type Sourced<T> = T & { readonly [SOURCED]: true };

/** Sources kept beside the objects: adding a key to a 30-field row costs V8 a shape change (about
 *  a microsecond and a half per node, 50 per page). */
const SOURCES = new WeakMap<object, NodeSource>();

export function sourced<T extends object>(value: T, source: NodeSource): Sourced<T> {
  SOURCES.set(value, source);
  return value as Sourced<T>;
}

/** The source `sourced` attached to `node`. */
export function sourceOf(node: Sourced<object>): NodeSource {
  const source = SOURCES.get(node);
  // Sourced<T> is only made by sourced(): a missing entry is a programming error.
  if (!source) throw new Error('GraphQL node without a source');
  return source;
}
