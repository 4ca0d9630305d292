import { Injectable } from '@nestjs/common';
import { notFound } from '../common/errors';
import { rootLogger } from '../common/logger';
import { SnapshotSummary, SnapshotStore } from '../snapshots/snapshot.store';
import { SnapshotList } from './models/snapshot.model';

@Injectable()
export class AdminSnapshotsService {
  constructor(private readonly snapshots: SnapshotStore) {}

  list(): SnapshotList {
    return { data: this.snapshots.list() };
  }

  /**
   * Rollback: serves a retained snapshot again (ACTIVE.json is replaced atomically; readers switch
   * within a second). The next build continues from the latest build's state and publishes a new
   * snapshot, which then becomes active.
   */
  activate(id: string, actor: string): SnapshotSummary {
    const known = this.snapshots.list().find((s) => s.snapshot_id === id);
    if (!known) throw notFound('No complete snapshot with this id (it may have been pruned).');
    this.snapshots.activate(id);
    // Audited by AuditInterceptor (action activateSnapshot); this line is the operational log.
    rootLogger().info({ snapshot_id: id, sub: actor }, 'snapshot activated');
    return this.snapshots.list().find((s) => s.snapshot_id === id) ?? known;
  }
}
