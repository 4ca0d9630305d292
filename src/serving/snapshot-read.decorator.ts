import { SetMetadata } from '@nestjs/common';

export const SNAPSHOT_READ_KEY = 'c360:snapshot-read';

/** The GET handler reads the gold snapshot and nothing else: its answer depends only on the
 *  snapshot, the caller's roles and scope, and the URL, so it is cached per snapshot and carries
 *  an ETag (If-None-Match → 304). */
export const SnapshotRead = (): MethodDecorator => SetMetadata(SNAPSHOT_READ_KEY, true);
