import { Injectable } from '@nestjs/common';
import { RowScope } from '../auth/row-scope';
import { SqlParam } from '../duckdb/duckdb';
import { ServedSnapshot } from '../serving/served-snapshot';
import { CustomerSort, CustomerSortKey } from './customer-sort';
import { CUSTOMER_COLUMNS, CustomerRow } from './models/customer.model';

export interface CustomerFilter {
  segments?: string[];
  country?: string;
  /** Exact decimal text. */
  minLtv?: string;
  maxLtv?: string;
  /** UTC `YYYY-MM-DD HH:MM:SS.mmm`. */
  lastOrderAfter?: string;
  lastOrderBefore?: string;
  /** Lower-cased. */
  email?: string;
}

export interface CustomerPageRequest {
  sort: CustomerSort;
  after: CustomerSortKey | null;
  limit: number;
}

/** Positional parameters: every value from a request is bound, never spliced into SQL. */
class Params {
  readonly values: SqlParam[] = [];
  add(value: SqlParam): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  list(values: readonly SqlParam[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

// customer_sk is a 60-bit key: served as a string so JSON clients never round it.
const SELECT_LIST = CUSTOMER_COLUMNS.map((c) =>
  c === 'customer_sk' ? 'cast(customer_sk as varchar) as customer_sk' : c,
).join(', ');

const ORDER_BY: Record<CustomerSort, string> = {
  [CustomerSort.CustomerId]: 'customer_id asc',
  [CustomerSort.LifetimeValueDesc]: 'lifetime_value desc, customer_id asc',
  [CustomerSort.LastOrderAtDesc]: 'last_order_at desc nulls last, customer_id asc',
  [CustomerSort.RecencyDays]: 'recency_days asc nulls last, customer_id asc',
};

/** customer_360 reads. Every read applies the caller's RowScope. */
@Injectable()
export class CustomersRepository {
  async list(
    snapshot: ServedSnapshot,
    filter: CustomerFilter,
    scope: RowScope,
    page: CustomerPageRequest,
  ): Promise<CustomerRow[]> {
    const params = new Params();
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
    const params = new Params();
    const where = this.conditions(filter, scope, params);
    const rows = await snapshot.query<{ total: number }>(
      `select count(*) as total from customer_360 where ${where.join(' and ')}`,
      params.values,
    );
    return rows[0]?.total ?? 0;
  }

  async findById(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<CustomerRow | null> {
    const params = new Params();
    const where = [`customer_id = ${params.add(customerId)}`, this.scope(scope, params)];
    const rows = await snapshot.query<CustomerRow>(
      `select ${SELECT_LIST} from customer_360 where ${where.join(' and ')}`,
      params.values,
    );
    return rows[0] ?? null;
  }

  private conditions(filter: CustomerFilter, scope: RowScope, params: Params): string[] {
    const where = [this.scope(scope, params)];
    if (filter.segments && filter.segments.length > 0)
      where.push(`segment in (${params.list(filter.segments)})`);
    if (filter.country !== undefined) where.push(`country = ${params.add(filter.country)}`);
    if (filter.minLtv !== undefined)
      where.push(`lifetime_value >= cast(${params.add(filter.minLtv)} as decimal(18,2))`);
    if (filter.maxLtv !== undefined)
      where.push(`lifetime_value <= cast(${params.add(filter.maxLtv)} as decimal(18,2))`);
    if (filter.lastOrderAfter !== undefined) {
      where.push(`last_order_at >= cast(${params.add(filter.lastOrderAfter)} as timestamp)`);
    }
    if (filter.lastOrderBefore !== undefined) {
      where.push(`last_order_at < cast(${params.add(filter.lastOrderBefore)} as timestamp)`);
    }
    if (filter.email !== undefined) where.push(`email = ${params.add(filter.email)}`);
    return where;
  }

  /** Row scope (SPEC §9): a countries claim limits every read; an empty list reads nothing. */
  private scope(scope: RowScope, params: Params): string {
    if (scope.countries === null) return 'true';
    if (scope.countries.length === 0) return 'false';
    return `country in (${params.list(scope.countries)})`;
  }

  /** Keyset condition: rows strictly after `key` in the sort order, nulls last. */
  private after(sort: CustomerSort, key: CustomerSortKey, params: Params): string {
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
        const value = `cast(${params.add(key.value)} as timestamp)`;
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
