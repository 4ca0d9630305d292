import { Injectable } from '@nestjs/common';
import { RowScope } from '../auth/row-scope';
import { ServedSnapshot } from '../serving/served-snapshot';
import { scopeCondition, SqlParams, timestampParam } from '../serving/sql';
import { CustomerSort, CustomerSortKey } from './customer-sort';
import { CustomerFilter, CustomerPageRequest, CustomersRepository } from './customers.repository';
import { CustomerVersionRow } from './models/customer-version.model';
import { CUSTOMER_COLUMNS, CustomerAsOfRow, CustomerRow } from './models/customer.model';

// customer_sk is a 60-bit key: served as a string so JSON clients never round it.
const SELECT_LIST = CUSTOMER_COLUMNS.map((c) =>
  c === 'customer_sk' ? 'cast(customer_sk as varchar) as customer_sk' : c,
).join(', ');

const PROFILE_COLUMNS =
  'email, phone, first_name, last_name, birth_date, street, city, state, postal_code, country, ' +
  'signup_at, marketing_opt_in';

const ORDER_BY: Record<CustomerSort, string> = {
  [CustomerSort.CustomerId]: 'customer_id asc',
  [CustomerSort.LifetimeValueDesc]: 'lifetime_value desc, customer_id asc',
  [CustomerSort.LastOrderAtDesc]: 'last_order_at desc nulls last, customer_id asc',
  [CustomerSort.RecencyDays]: 'recency_days asc nulls last, customer_id asc',
};

/** customer_360 and dim_customer reads on the snapshot's DuckDB database. */
@Injectable()
export class DuckDbCustomersRepository extends CustomersRepository {
  async list(
    snapshot: ServedSnapshot,
    filter: CustomerFilter,
    scope: RowScope,
    page: CustomerPageRequest,
  ): Promise<CustomerRow[]> {
    const params = new SqlParams();
    const where = this.conditions(filter, scope, params);
    if (page.after) where.push(this.after(page.sort, page.after, params));
    const sql = `select ${SELECT_LIST}
      from customer_360
      where ${where.join(' and ')}
      order by ${ORDER_BY[page.sort]}
      limit ${params.add(BigInt(page.limit))}`;
    return snapshot.query<CustomerRow>(sql, params.values);
  }

  async count(snapshot: ServedSnapshot, filter: CustomerFilter, scope: RowScope): Promise<number> {
    const params = new SqlParams();
    const where = this.conditions(filter, scope, params);
    const rows = await snapshot.query<{ total: number }>(
      `select count(*) as total from customer_360 where ${where.join(' and ')}`,
      params.values,
    );
    return rows[0]?.total ?? 0;
  }

  async findById(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<CustomerRow | null> {
    const params = new SqlParams();
    const where = [`customer_id = ${params.add(customerId)}`, scopeCondition(scope, params)];
    const rows = await snapshot.query<CustomerRow>(
      `select ${SELECT_LIST} from customer_360 where ${where.join(' and ')}`,
      params.values,
    );
    return rows[0] ?? null;
  }

  async exists(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<boolean> {
    const params = new SqlParams();
    const where = [`customer_id = ${params.add(customerId)}`, scopeCondition(scope, params)];
    const rows = await snapshot.query(
      `select 1 as found from customer_360 where ${where.join(' and ')}`,
      params.values,
    );
    return rows.length > 0;
  }

  async findAsOf(
    snapshot: ServedSnapshot,
    customerId: string,
    instant: string,
    scope: RowScope,
  ): Promise<CustomerAsOfRow | null> {
    const params = new SqlParams();
    const id = params.add(customerId);
    const at = timestampParam(params, instant);
    const scoped = scopeCondition(scope, params);
    // The same rules as gold/customer_360.sql, restricted to one customer and cut at `at`.
    const sql = `with readable as (
        select customer_id from customer_360 where customer_id = ${id} and ${scoped}
      ),
      version as (
        select d.*
        from dim_customer d
        semi join readable r on r.customer_id = d.customer_id
        where d.customer_id = ${id}
          and d.valid_from <= ${at}
          and ${at} < coalesce(d.valid_to, 'infinity'::timestamp)
      ),
      order_metrics as (
        select
          count(*) as orders_count,
          coalesce(sum(order_amount), 0)::decimal(38, 4) as lifetime_value_exact,
          min(order_ts) as first_order_at,
          max(order_ts) as last_order_at
        from fact_orders
        where customer_id = ${id} and is_counted and order_ts <= ${at}
      ),
      favorite as (
        select p.category
        from fact_order_lines l
        join dim_product p on p.product_id = l.product_id
        where l.customer_id = ${id} and l.is_counted and l.order_ts <= ${at} and p.category is not null
        group by p.category
        order by sum(l.line_amount) desc, p.category asc
        limit 1
      ),
      event_metrics as (
        select
          count(*) filter (where event_ts > ${at} - interval 720 hour) as events_30d,
          max(event_ts) as last_seen_at
        from fact_events
        where customer_id = ${id} and event_ts <= ${at}
      ),
      prospects as (
        select segment from segment_summary order by position desc limit 1
      )
      select
        v.customer_id,
        cast(v.customer_sk as varchar) as customer_sk,
        v.email, v.phone, v.first_name, v.last_name, v.birth_date,
        v.street, v.city, v.state, v.postal_code, v.country,
        v.signup_at, v.marketing_opt_in,
        v.valid_from as profile_valid_from,
        m.orders_count::integer as orders_count,
        round(m.lifetime_value_exact, 2)::decimal(18, 2) as lifetime_value,
        money_avg(m.lifetime_value_exact, m.orders_count) as avg_order_value,
        m.first_order_at,
        m.last_order_at,
        (date_diff('second', m.last_order_at, ${at}) // 86400)::integer as recency_days,
        null::integer as r_score,
        null::integer as f_score,
        null::integer as m_score,
        case when m.orders_count = 0 then (select segment from prospects) end as segment,
        (select category from favorite) as favorite_category,
        e.events_30d::integer as events_30d,
        e.last_seen_at,
        ${at} as as_of
      from version v
      cross join order_metrics m
      cross join event_metrics e`;
    const rows = await snapshot.query<CustomerAsOfRow>(sql, params.values);
    return rows[0] ?? null;
  }

  async history(snapshot: ServedSnapshot, customerIds: readonly string[]): Promise<CustomerVersionRow[]> {
    if (customerIds.length === 0) return [];
    const params = new SqlParams();
    const rows = await snapshot.query<CustomerVersionRow>(
      `select customer_id, cast(customer_sk as varchar) as customer_sk, version, valid_from, valid_to,
          is_current, is_deleted, ${PROFILE_COLUMNS}
        from dim_customer
        where customer_id in (${params.list(customerIds)})
        order by customer_id, version`,
      params.values,
    );
    return rows;
  }

  private conditions(filter: CustomerFilter, scope: RowScope, params: SqlParams): string[] {
    const where = [scopeCondition(scope, params)];
    if (filter.segments && filter.segments.length > 0)
      where.push(`segment in (${params.list(filter.segments)})`);
    if (filter.country !== undefined) where.push(`country = ${params.add(filter.country)}`);
    if (filter.minLtv !== undefined)
      where.push(`lifetime_value >= cast(${params.add(filter.minLtv)} as decimal(18,2))`);
    if (filter.maxLtv !== undefined)
      where.push(`lifetime_value <= cast(${params.add(filter.maxLtv)} as decimal(18,2))`);
    if (filter.lastOrderAfter !== undefined) {
      where.push(`last_order_at >= ${timestampParam(params, filter.lastOrderAfter)}`);
    }
    if (filter.lastOrderBefore !== undefined) {
      where.push(`last_order_at < ${timestampParam(params, filter.lastOrderBefore)}`);
    }
    if (filter.email !== undefined) where.push(`email = ${params.add(filter.email)}`);
    return where;
  }

  /** Keyset condition: rows strictly after `key` in the sort order, nulls last. */
  private after(sort: CustomerSort, key: CustomerSortKey, params: SqlParams): string {
    const id = params.add(key.customerId);
    switch (sort) {
      case CustomerSort.CustomerId:
        return `customer_id > ${id}`;
      case CustomerSort.LifetimeValueDesc: {
        const value = `cast(${params.add(key.value)} as decimal(18,2))`;
        return `(lifetime_value < ${value} or (lifetime_value = ${value} and customer_id > ${id}))`;
      }
      case CustomerSort.LastOrderAtDesc: {
        if (key.value === null) return `(last_order_at is null and customer_id > ${id})`;
        const value = timestampParam(params, String(key.value));
        return `(last_order_at < ${value} or (last_order_at = ${value} and customer_id > ${id}) or last_order_at is null)`;
      }
      case CustomerSort.RecencyDays: {
        if (key.value === null) return `(recency_days is null and customer_id > ${id})`;
        const value = params.add(BigInt(key.value));
        return `(recency_days > ${value} or (recency_days = ${value} and customer_id > ${id}) or recency_days is null)`;
      }
    }
  }
}
