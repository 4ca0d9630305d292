import { RowScope } from '../auth/row-scope';
import { ServedSnapshot } from '../serving/served-snapshot';
import { SegmentSummaryRow } from './models/segment-summary.model';

/** Segment summaries from one served snapshot. Unscoped callers read the precomputed
 *  segment_summary; a caller limited to countries gets it computed over those countries. */
export abstract class SegmentsRepository {
  abstract summary(snapshot: ServedSnapshot, scope: RowScope): Promise<SegmentSummaryRow[]>;
}
