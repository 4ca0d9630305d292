import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { RowScope } from '../auth/row-scope';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotResult } from '../serving/snapshot-result';
import { SegmentList } from './models/segment-summary.model';
import { SegmentsRepository } from './segments.repository';

@Injectable()
export class SegmentsService {
  constructor(
    private readonly reader: SnapshotReaderService,
    private readonly repository: SegmentsRepository,
  ) {}

  /** `GET /v1/segments` and GraphQL `segments`. */
  async list(principal: Principal): Promise<SnapshotResult<SegmentList>> {
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(
      async (snapshot) =>
        new SnapshotResult(snapshot.id, { data: await this.repository.summary(snapshot, scope) }),
    );
  }
}
