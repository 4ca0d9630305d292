import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { RowScope } from '../auth/row-scope';
import { invalidParameter } from '../common/errors';
import { daysBetween } from '../common/validation/iso-time';
import { SnapshotReaderService } from '../serving/snapshot-reader.service';
import { SnapshotResult } from '../serving/snapshot-result';
import { DailyMetricsRepository } from './daily-metrics.repository';
import { DailyOrdersList } from './models/daily-orders.model';

/** Longest range one request may ask for (about ten years of days). */
export const MAX_RANGE_DAYS = 3660;

@Injectable()
export class DailyMetricsService {
  constructor(
    private readonly reader: SnapshotReaderService,
    private readonly repository: DailyMetricsRepository,
  ) {}

  /** `GET /v1/metrics/orders-daily` and GraphQL `ordersDaily`: `from`..`to` inclusive. */
  async ordersDaily(
    from: string,
    to: string,
    principal: Principal,
  ): Promise<SnapshotResult<DailyOrdersList>> {
    const days = daysBetween(from, to);
    if (days < 0) throw invalidParameter('from', 'from must not be after to.');
    if (days >= MAX_RANGE_DAYS) {
      throw invalidParameter('to', `The range may span at most ${MAX_RANGE_DAYS} days.`);
    }
    const scope = RowScope.of(principal);
    return this.reader.withSnapshot(
      async (snapshot) =>
        new SnapshotResult(snapshot.id, {
          data: await this.repository.ordersDaily(snapshot, scope, from, to),
        }),
    );
  }
}
