import { Page } from './page.dto';

/** One page of a keyset-paginated read, before it is shaped for REST or GraphQL. */
export interface KeysetPage<T> {
  /** The snapshot the rows were read from (cursors name it). */
  snapshotId: string;
  /** That snapshot's as_of. */
  snapshotAsOf: string;
  rows: T[];
  hasNextPage: boolean;
  /** The opaque cursor positioned after `row` (GraphQL edges have one each). */
  cursorOf(row: T): string;
  total?: number;
}

/** Reads `limit + 1` rows' worth of answer: the extra row only says whether a next page exists. */
export function keysetPage<T>(
  snapshot: { id: string; asOf: string },
  fetched: T[],
  limit: number,
  cursorOf: (row: T) => string,
): KeysetPage<T> {
  return {
    snapshotId: snapshot.id,
    snapshotAsOf: snapshot.asOf,
    rows: fetched.slice(0, limit),
    hasNextPage: fetched.length > limit,
    cursorOf,
  };
}

/** The REST `page` object of a keyset page. */
export function restPage<T>(page: KeysetPage<T>, limit: number): Page {
  const last = page.rows[page.rows.length - 1];
  const result: Page = { limit, next_cursor: page.hasNextPage && last ? page.cursorOf(last) : null };
  if (page.total !== undefined) result.total = page.total;
  return result;
}
