/**
 * A response read from one gold snapshot. Services return it from inside
 * `reader.withSnapshot`; SnapshotHeaderInterceptor sends the body with `X-C360-Snapshot`.
 */
export class SnapshotResult<T> {
  constructor(
    readonly snapshotId: string,
    readonly body: T,
  ) {}

  /** Transforms the body, keeping the snapshot id when `result` is a SnapshotResult. */
  static mapBody(result: unknown, transform: (body: unknown) => unknown): unknown {
    if (result instanceof SnapshotResult)
      return new SnapshotResult(result.snapshotId, transform(result.body));
    return transform(result);
  }
}

export const SNAPSHOT_HEADER = 'X-C360-Snapshot';
