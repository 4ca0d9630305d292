import { RowScope } from '../auth/row-scope';
import { DailyMetricsRepository } from '../daily-metrics/daily-metrics.repository';
import { DailyOrdersRow } from '../daily-metrics/models/daily-orders.model';
import { ProductRow, ProductSort } from '../products/models/product.model';
import { ProductFilter, ProductPageRequest, ProductsRepository } from '../products/products.repository';
import { SegmentSummaryRow } from '../segments/models/segment-summary.model';
import { SegmentsRepository } from '../segments/segments.repository';
import { ServedSnapshot } from '../serving/served-snapshot';
import { AthenaEngine } from './athena-engine';
import { AthenaParams } from './athena-query';
import { intLiteral, moneyAvg } from './athena-sql';

/** segment_summary on Athena; computed over in-scope customers for a scoped caller. */
export class AthenaSegmentsRepository extends SegmentsRepository {
  constructor(private readonly engine: AthenaEngine) {
    super();
  }

  async summary(snapshot: ServedSnapshot, scope: RowScope): Promise<SegmentSummaryRow[]> {
    const p = new AthenaParams();
    if (!scope.restricted) {
      return this.engine.query<SegmentSummaryRow>(
        snapshot,
        p.query(`select segment, position, customers, share, total_lifetime_value, avg_lifetime_value,
            avg_recency_days
          from segment_summary order by position`),
      );
    }
    // gold/segment_summary.sql over the in-scope rows of customer_360.
    return this.engine.query<SegmentSummaryRow>(
      snapshot,
      p.query(`with scoped as (
          select * from customer_360 where ${p.scope(scope)}
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
          cast(s.position as integer) as position,
          cast(coalesce(p.customers, 0) as bigint) as customers,
          cast(round(cast(coalesce(p.customers, 0) as double) / nullif(t.all_customers, 0), 4) as decimal(9, 4)) as share,
          cast(coalesce(p.total_lifetime_value, 0) as decimal(18, 2)) as total_lifetime_value,
          ${moneyAvg('p.total_lifetime_value', 'p.customers')} as avg_lifetime_value,
          cast(round(p.avg_recency_days, 1) as decimal(9, 1)) as avg_recency_days
        from segment_summary s
        cross join totals t
        left join per_segment p on p.segment = s.segment
        order by s.position`),
    );
  }
}

const PRODUCT_COLUMNS = `product_id, cast(product_sk as varchar) as product_sk, name, category, brand, unit_price,
  units, revenue, orders, customers, revenue_rank`;

/** `perf`: product_performance, or for a scoped caller gold/product_performance.sql over the lines
 *  of in-scope customers (by their current country). */
function performance(snapshot: ServedSnapshot, scope: RowScope, p: AthenaParams): string {
  if (!scope.restricted) return 'perf as (select * from product_performance)';
  return `scoped_customers as (
      select customer_id from customer_360 where ${p.scope(scope)}
    ),
    counted_lines as (
      select l.*
      from fact_order_lines l
      where l.customer_id in (select customer_id from scoped_customers)
        and l.is_counted and l.order_ts <= ${p.timestamp(snapshot.asOf)}
    ),
    sales as (
      select
        product_id,
        sum(quantity) as units,
        sum(line_amount) as revenue,
        count(distinct order_id) as orders,
        count(distinct customer_id) as customers
      from counted_lines
      group by product_id
    ),
    perf as (
      select
        d.product_id,
        d.product_sk,
        d.name,
        d.category,
        d.brand,
        cast(round(d.unit_price, 2) as decimal(18, 2)) as unit_price,
        cast(coalesce(s.units, 0) as bigint) as units,
        cast(round(coalesce(s.revenue, 0), 2) as decimal(18, 2)) as revenue,
        cast(coalesce(s.orders, 0) as bigint) as orders,
        cast(coalesce(s.customers, 0) as bigint) as customers,
        cast(rank() over (order by coalesce(s.revenue, 0) desc) as integer) as revenue_rank
      from dim_product d
      left join sales s on s.product_id = d.product_id
    )`;
}

const PRODUCT_ORDER_BY: Record<ProductSort, string> = {
  [ProductSort.ProductId]: 'product_id asc',
  [ProductSort.RevenueRank]: 'revenue_rank asc, product_id asc',
};

/** product_performance on Athena (scoped callers: recomputed over their customers' lines). */
export class AthenaProductsRepository extends ProductsRepository {
  constructor(private readonly engine: AthenaEngine) {
    super();
  }

  async list(
    snapshot: ServedSnapshot,
    scope: RowScope,
    filter: ProductFilter,
    page: ProductPageRequest,
  ): Promise<ProductRow[]> {
    const p = new AthenaParams();
    const perf = performance(snapshot, scope, p);
    const where = this.conditions(filter, p);
    if (page.after) {
      const { rank, productId } = page.after;
      where.push(
        page.sort === ProductSort.ProductId
          ? `product_id > ${p.text(productId)}`
          : rank === null
            ? 'false'
            : `(revenue_rank > ${p.int(rank)} or (revenue_rank = ${p.int(rank)} and product_id > ${p.text(productId)}))`,
      );
    }
    return this.engine.query<ProductRow>(
      snapshot,
      p.query(`with ${perf}
      select ${PRODUCT_COLUMNS} from perf
      where ${where.join(' and ')}
      order by ${PRODUCT_ORDER_BY[page.sort]}
      limit ${intLiteral(page.limit)}`),
    );
  }

  async count(snapshot: ServedSnapshot, _scope: RowScope, filter: ProductFilter): Promise<number> {
    const p = new AthenaParams();
    const where = this.conditions(filter, p);
    // The scope changes figures, not which products exist: counting needs no sales.
    const rows = await this.engine.query<{ total: number }>(
      snapshot,
      p.query(`select count(*) as total from product_performance where ${where.join(' and ')}`),
    );
    return rows[0]?.total ?? 0;
  }

  async findByIds(
    snapshot: ServedSnapshot,
    scope: RowScope,
    productIds: readonly string[],
  ): Promise<ProductRow[]> {
    if (productIds.length === 0) return [];
    const p = new AthenaParams();
    const perf = performance(snapshot, scope, p);
    return this.engine.query<ProductRow>(
      snapshot,
      p.query(`with ${perf}
      select ${PRODUCT_COLUMNS} from perf where product_id in (${p.list(productIds)})`),
    );
  }

  private conditions(filter: ProductFilter, p: AthenaParams): string[] {
    const where = ['true'];
    if (filter.category !== undefined) where.push(`category = ${p.text(filter.category)}`);
    return where;
  }
}

/** orders_daily on Athena (scoped callers: recomputed from their customers' orders). */
export class AthenaDailyMetricsRepository extends DailyMetricsRepository {
  constructor(private readonly engine: AthenaEngine) {
    super();
  }

  async ordersDaily(
    snapshot: ServedSnapshot,
    scope: RowScope,
    from: string,
    to: string,
  ): Promise<DailyOrdersRow[]> {
    const p = new AthenaParams();
    if (!scope.restricted) {
      return this.engine.query<DailyOrdersRow>(
        snapshot,
        p.query(`select "date", orders, revenue, customers, new_customers, aov
          from orders_daily where "date" between ${p.date(from)} and ${p.date(to)} order by "date"`),
      );
    }
    // gold/orders_daily.sql over the orders of in-scope customers (by their current country); a
    // customer's first order is looked for over all time, so new_customers means the same.
    return this.engine.query<DailyOrdersRow>(
      snapshot,
      p.query(`with scoped_customers as (
          select customer_id from customer_360 where ${p.scope(scope)}
        ),
        counted as (
          select o.*
          from fact_orders o
          where o.customer_id in (select customer_id from scoped_customers)
            and o.is_counted and o.order_ts <= ${p.timestamp(snapshot.asOf)}
        ),
        first_orders as (
          select customer_id, min(order_date) as first_order_date
          from counted
          group by customer_id
        ),
        daily as (
          select
            c.order_date,
            count(*) as orders,
            sum(c.order_amount) as revenue_exact,
            count(distinct c.customer_id) as customers,
            count(distinct case when f.first_order_date = c.order_date then c.customer_id end) as new_customers
          from counted c
          join first_orders f on f.customer_id = c.customer_id
          where c.order_date between ${p.date(from)} and ${p.date(to)}
          group by c.order_date
        )
        select
          order_date as "date",
          cast(orders as bigint) as orders,
          cast(round(revenue_exact, 2) as decimal(18, 2)) as revenue,
          cast(customers as bigint) as customers,
          cast(new_customers as bigint) as new_customers,
          ${moneyAvg('revenue_exact', 'orders')} as aov
        from daily
        order by order_date`),
    );
  }
}
