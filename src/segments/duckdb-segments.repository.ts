import { Injectable } from '@nestjs/common';
import { RowScope } from '../auth/row-scope';
import { ServedSnapshot } from '../serving/served-snapshot';
import { scopeCondition, SqlParams } from '../serving/sql';
import { SegmentSummaryRow } from './models/segment-summary.model';
import { SegmentsRepository } from './segments.repository';

@Injectable()
export class DuckDbSegmentsRepository extends SegmentsRepository {
  async summary(snapshot: ServedSnapshot, scope: RowScope): Promise<SegmentSummaryRow[]> {
    if (!scope.restricted) {
      return snapshot.query<SegmentSummaryRow>('select * from segment_summary order by position');
    }
    const params = new SqlParams();
    // gold/segment_summary.sql over the in-scope rows of customer_360.
    return snapshot.query<SegmentSummaryRow>(
      `with scoped as (
          select * from customer_360 where ${scopeCondition(scope, params)}
        ),
        totals as (
          select count(*) as all_customers from scoped
        ),
        per_segment as (
          select
            segment,
            count(*) as customers,
            sum(lifetime_value) as total_lifetime_value,
            avg(recency_days) as avg_recency_days
          from scoped
          group by segment
        )
        select
          s.segment,
          s.position::integer as position,
          coalesce(p.customers, 0)::bigint as customers,
          round(coalesce(p.customers, 0) / nullif(t.all_customers, 0), 4)::decimal(9, 4) as share,
          coalesce(p.total_lifetime_value, 0)::decimal(18, 2) as total_lifetime_value,
          money_avg(p.total_lifetime_value, p.customers) as avg_lifetime_value,
          round(p.avg_recency_days, 1)::decimal(9, 1) as avg_recency_days
        from segment_summary s
        cross join totals t
        left join per_segment p on p.segment = s.segment
        order by s.position`,
      params.values,
    );
  }
}
