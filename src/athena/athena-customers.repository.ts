import { RowScope } from '../auth/row-scope';
import { CustomerSort, CustomerSortKey } from '../customers/customer-sort';
import { CustomerFilter, CustomerPageRequest, CustomersRepository } from '../customers/customers.repository';
import { CustomerVersionRow } from '../customers/models/customer-version.model';
import { CUSTOMER_COLUMNS, CustomerAsOfRow, CustomerRow } from '../customers/models/customer.model';
import { TRACKED_CUSTOMER_ATTRIBUTES } from '../pipeline/entities';
import { ServedSnapshot } from '../serving/served-snapshot';
import { AthenaEngine } from './athena-engine';
import { AthenaParams } from './athena-query';
import { intLiteral, moneyAvg, OPEN_END } from './athena-sql';

const SK = { customer_sk: 'cast(customer_sk as varchar)' };

const VERSION_COLUMNS = [
  'customer_id',
  'customer_sk',
  'version',
  'valid_from',
  'valid_to',
  'is_current',
  'is_deleted',
  ...TRACKED_CUSTOMER_ATTRIBUTES,
];

const ORDER_BY: Record<CustomerSort, string> = {
  [CustomerSort.CustomerId]: 'customer_id asc',
  [CustomerSort.LifetimeValueDesc]: 'lifetime_value desc, customer_id asc',
  [CustomerSort.LastOrderAtDesc]: 'last_order_at desc nulls last, customer_id asc',
  [CustomerSort.RecencyDays]: 'recency_days asc nulls last, customer_id asc',
};

/** customer_360 and dim_customer on Athena; PII masked in the SQL for the caller. */
export class AthenaCustomersRepository extends CustomersRepository {
  constructor(private readonly engine: AthenaEngine) {
    super();
  }

  async list(
    snapshot: ServedSnapshot,
    filter: CustomerFilter,
    scope: RowScope,
    page: CustomerPageRequest,
  ): Promise<CustomerRow[]> {
    const params = new AthenaParams();
    const strategies = this.engine.masking.strategies();
    // Parameters are positional: pieces are built in the order they appear in the text.
    const select = this.engine.masking.selectList(CUSTOMER_COLUMNS, strategies, params, '', SK);
    const where = this.conditions(filter, scope, params);
    if (page.after) where.push(this.after(page.sort, page.after, params));
    const rows = await this.engine.query<CustomerRow>(
      snapshot,
      params.query(`select ${select}
      from customer_360
      where ${where.join(' and ')}
      order by ${ORDER_BY[page.sort]}
      limit ${intLiteral(page.limit)}`),
    );
    return this.engine.masking.mark(rows, strategies);
  }

  async count(snapshot: ServedSnapshot, filter: CustomerFilter, scope: RowScope): Promise<number> {
    const params = new AthenaParams();
    const where = this.conditions(filter, scope, params);
    const rows = await this.engine.query<{ total: number }>(
      snapshot,
      params.query(`select count(*) as total from customer_360 where ${where.join(' and ')}`),
    );
    return rows[0]?.total ?? 0;
  }

  async findById(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<CustomerRow | null> {
    const params = new AthenaParams();
    const strategies = this.engine.masking.strategies();
    const select = this.engine.masking.selectList(CUSTOMER_COLUMNS, strategies, params, '', SK);
    const where = `customer_id = ${params.text(customerId)} and ${params.scope(scope)}`;
    const rows = await this.engine.query<CustomerRow>(
      snapshot,
      params.query(`select ${select} from customer_360 where ${where}`),
    );
    return this.engine.masking.mark(rows, strategies)[0] ?? null;
  }

  async exists(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<boolean> {
    const params = new AthenaParams();
    const where = `customer_id = ${params.text(customerId)} and ${params.scope(scope)}`;
    const rows = await this.engine.query(
      snapshot,
      params.query(`select 1 as found from customer_360 where ${where}`),
    );
    return rows.length > 0;
  }

  async findAsOf(
    snapshot: ServedSnapshot,
    customerId: string,
    instant: string,
    scope: RowScope,
  ): Promise<CustomerAsOfRow | null> {
    const p = new AthenaParams();
    const strategies = this.engine.masking.strategies();
    const id = (): string => p.text(customerId);
    const at = (): string => p.timestamp(instant);
    // The same rules as gold/customer_360.sql, restricted to one customer and cut at `at`.
    const readable = `readable as (
        select customer_id from customer_360 where customer_id = ${id()} and ${p.scope(scope)}
      )`;
    const version = `profile_version as (
        select d.*
        from dim_customer d
        where d.customer_id in (select customer_id from readable)
          and d.customer_id = ${id()}
          and d.valid_from <= ${at()}
          and ${at()} < coalesce(d.valid_to, ${OPEN_END})
      )`;
    const orderMetrics = `order_metrics as (
        select
          count(*) as orders_count,
          cast(coalesce(sum(order_amount), 0) as decimal(38, 4)) as lifetime_value_exact,
          min(order_ts) as first_order_at,
          max(order_ts) as last_order_at
        from fact_orders
        where customer_id = ${id()} and is_counted and order_ts <= ${at()}
      )`;
    const favorite = `favorite as (
        select p.category
        from fact_order_lines l
        join dim_product p on p.product_id = l.product_id
        where l.customer_id = ${id()} and l.is_counted and l.order_ts <= ${at()} and p.category is not null
        group by p.category
        order by sum(l.line_amount) desc, p.category asc
        limit 1
      )`;
    const eventMetrics = `event_metrics as (
        select
          count(case when event_ts > ${at()} - interval '720' hour then 1 end) as events_30d,
          max(event_ts) as last_seen_at
        from fact_events
        where customer_id = ${id()} and event_ts <= ${at()}
      )`;
    const prospects = `prospects as (
        select segment from segment_summary order by position desc limit 1
      )`;
    const profile = this.engine.masking.selectList(
      ['customer_id', 'customer_sk', ...TRACKED_CUSTOMER_ATTRIBUTES],
      strategies,
      p,
      'v.',
      { customer_sk: 'cast(v.customer_sk as varchar)' },
    );
    const sql = `with ${readable}, ${version}, ${orderMetrics}, ${favorite}, ${eventMetrics}, ${prospects}
      select
        ${profile},
        v.valid_from as profile_valid_from,
        cast(m.orders_count as integer) as orders_count,
        cast(round(m.lifetime_value_exact, 2) as decimal(18, 2)) as lifetime_value,
        ${moneyAvg('m.lifetime_value_exact', 'm.orders_count')} as avg_order_value,
        m.first_order_at,
        m.last_order_at,
        cast(floor(date_diff('second', m.last_order_at, ${at()}) / 86400) as integer) as recency_days,
        cast(null as integer) as r_score,
        cast(null as integer) as f_score,
        cast(null as integer) as m_score,
        case when m.orders_count = 0 then s.segment end as segment,
        f.category as favorite_category,
        cast(e.events_30d as integer) as events_30d,
        e.last_seen_at,
        ${at()} as as_of
      from profile_version v
      cross join order_metrics m
      cross join event_metrics e
      left join favorite f on true
      left join prospects s on true`;
    const rows = await this.engine.query<CustomerAsOfRow>(snapshot, p.query(sql));
    return this.engine.masking.mark(rows, strategies)[0] ?? null;
  }

  async history(snapshot: ServedSnapshot, customerIds: readonly string[]): Promise<CustomerVersionRow[]> {
    if (customerIds.length === 0) return [];
    const params = new AthenaParams();
    const strategies = this.engine.masking.strategies();
    const select = this.engine.masking.selectList(VERSION_COLUMNS, strategies, params, '', SK);
    const rows = await this.engine.query<CustomerVersionRow>(
      snapshot,
      params.query(`select ${select}
        from dim_customer
        where customer_id in (${params.list(customerIds)})
        order by customer_id, version`),
    );
    return this.engine.masking.mark(rows, strategies);
  }

  private conditions(filter: CustomerFilter, scope: RowScope, params: AthenaParams): string[] {
    const where = [params.scope(scope)];
    if (filter.segments && filter.segments.length > 0)
      where.push(`segment in (${params.list(filter.segments)})`);
    if (filter.country !== undefined) where.push(`country = ${params.text(filter.country)}`);
    if (filter.minLtv !== undefined) where.push(`lifetime_value >= ${params.decimal(filter.minLtv)}`);
    if (filter.maxLtv !== undefined) where.push(`lifetime_value <= ${params.decimal(filter.maxLtv)}`);
    if (filter.lastOrderAfter !== undefined)
      where.push(`last_order_at >= ${params.timestamp(filter.lastOrderAfter)}`);
    if (filter.lastOrderBefore !== undefined)
      where.push(`last_order_at < ${params.timestamp(filter.lastOrderBefore)}`);
    // The raw column: WHERE sees the table's email, not the masked output column.
    if (filter.email !== undefined) where.push(`customer_360.email = ${params.text(filter.email)}`);
    return where;
  }

  /** Keyset condition: rows strictly after `key` in the sort order, nulls last. */
  private after(sort: CustomerSort, key: CustomerSortKey, p: AthenaParams): string {
    switch (sort) {
      case CustomerSort.CustomerId:
        return `customer_id > ${p.text(key.customerId)}`;
      case CustomerSort.LifetimeValueDesc: {
        const value = String(key.value);
        return `(lifetime_value < ${p.decimal(value)} or (lifetime_value = ${p.decimal(value)} and customer_id > ${p.text(key.customerId)}))`;
      }
      case CustomerSort.LastOrderAtDesc: {
        if (key.value === null) return `(last_order_at is null and customer_id > ${p.text(key.customerId)})`;
        const value = String(key.value);
        return `(last_order_at < ${p.timestamp(value)} or (last_order_at = ${p.timestamp(value)} and customer_id > ${p.text(key.customerId)}) or last_order_at is null)`;
      }
      case CustomerSort.RecencyDays: {
        if (key.value === null) return `(recency_days is null and customer_id > ${p.text(key.customerId)})`;
        const value = Number(key.value);
        return `(recency_days > ${p.int(value)} or (recency_days = ${p.int(value)} and customer_id > ${p.text(key.customerId)}) or recency_days is null)`;
      }
    }
  }
}
