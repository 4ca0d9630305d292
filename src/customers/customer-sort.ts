import { CursorCodec, CursorKey } from '../common/pagination/cursor';
import { CustomerRow } from './models/customer.model';

/** Sort orders of `GET /v1/customers`; `-` means descending. Ties break on customer_id. */
export enum CustomerSort {
  CustomerId = 'customer_id',
  LifetimeValueDesc = '-lifetime_value',
  LastOrderAtDesc = '-last_order_at',
  RecencyDays = 'recency_days',
}

/** The default segments of `gold/segments.yaml` (SPEC §5). A deployment with its own rules serves
 *  its own names; requests are checked against the active snapshot's segments, not this list. */
export enum Segment {
  Champions = 'champions',
  Loyal = 'loyal',
  New = 'new',
  AtRisk = 'at_risk',
  Hibernating = 'hibernating',
  PotentialLoyalists = 'potential_loyalists',
  NeedAttention = 'need_attention',
  Prospects = 'prospects',
}

/** Position after the last row of a page: its sort value (absent for the customer_id sort) and id. */
export interface CustomerSortKey {
  value: string | number | null;
  customerId: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const DECIMAL = /^-?\d{1,16}(\.\d{1,2})?$/;

/** Cursor keys of a row for a sort. Money goes as exact text with 2 decimals. */
export function sortKeyOf(row: CustomerRow, sort: CustomerSort): CursorKey[] {
  switch (sort) {
    case CustomerSort.CustomerId:
      return [row.customer_id];
    case CustomerSort.LifetimeValueDesc:
      return [row.lifetime_value.toFixed(2), row.customer_id];
    case CustomerSort.LastOrderAtDesc:
      return [row.last_order_at, row.customer_id];
    case CustomerSort.RecencyDays:
      return [row.recency_days, row.customer_id];
  }
}

/** Checks that decoded cursor keys have the shape `sort` produces. */
export function parseSortKey(keys: CursorKey[], sort: CustomerSort): CustomerSortKey {
  const id = keys[keys.length - 1];
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw CursorCodec.invalid();
  if (sort === CustomerSort.CustomerId) {
    if (keys.length !== 1) throw CursorCodec.invalid();
    return { value: null, customerId: id };
  }
  if (keys.length !== 2) throw CursorCodec.invalid();
  const value = keys[0];
  const valid =
    sort === CustomerSort.LifetimeValueDesc
      ? typeof value === 'string' && DECIMAL.test(value)
      : sort === CustomerSort.LastOrderAtDesc
        ? value === null || (typeof value === 'string' && TIMESTAMP.test(value))
        : value === null || (typeof value === 'number' && Number.isInteger(value));
  if (!valid) throw CursorCodec.invalid();
  return { value, customerId: id };
}
