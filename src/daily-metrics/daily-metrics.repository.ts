import { RowScope } from '../auth/row-scope';
import { ServedSnapshot } from '../serving/served-snapshot';
import { DailyOrdersRow } from './models/daily-orders.model';

/** Daily order metrics from one served snapshot. Unscoped callers read the precomputed
 *  orders_daily; a caller limited to countries gets it computed from their customers' orders. */
export abstract class DailyMetricsRepository {
  /** Days `from` to `to` (inclusive, `YYYY-MM-DD`), oldest first. */
  abstract ordersDaily(
    snapshot: ServedSnapshot,
    scope: RowScope,
    from: string,
    to: string,
  ): Promise<DailyOrdersRow[]>;
}
