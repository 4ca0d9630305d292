import { RowScope } from '../auth/row-scope';
import { ServedSnapshot } from '../serving/served-snapshot';
import { CustomerSort, CustomerSortKey } from './customer-sort';
import { CustomerVersionRow } from './models/customer-version.model';
import { CustomerAsOfRow, CustomerRow } from './models/customer.model';

export interface CustomerFilter {
  segments?: string[];
  country?: string;
  /** Exact decimal text. */
  minLtv?: string;
  maxLtv?: string;
  /** ISO-8601 UTC instants. */
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

/**
 * Reads of customers (customer_360) and their profile versions (dim_customer) from one served
 * snapshot. Every read takes the caller's RowScope. This is the seam a point-read store plugs
 * into; the DuckDB implementation is DuckDbCustomersRepository.
 */
export abstract class CustomersRepository {
  /** One page in sort order, strictly after `page.after`. */
  abstract list(
    snapshot: ServedSnapshot,
    filter: CustomerFilter,
    scope: RowScope,
    page: CustomerPageRequest,
  ): Promise<CustomerRow[]>;

  abstract count(snapshot: ServedSnapshot, filter: CustomerFilter, scope: RowScope): Promise<number>;

  abstract findById(
    snapshot: ServedSnapshot,
    customerId: string,
    scope: RowScope,
  ): Promise<CustomerRow | null>;

  /** Whether the customer is current, not deleted and in scope (readable now). */
  abstract exists(snapshot: ServedSnapshot, customerId: string, scope: RowScope): Promise<boolean>;

  /**
   * A customer readable now, as of `instant` (≤ the snapshot's as_of): the profile version valid
   * then and order and event metrics up to then (SPEC §5 rules). Null when the customer is not
   * readable now or had no version then (not yet created, or deleted then).
   */
  abstract findAsOf(
    snapshot: ServedSnapshot,
    customerId: string,
    instant: string,
    scope: RowScope,
  ): Promise<CustomerAsOfRow | null>;

  /** Every version of each customer, oldest first, grouped by customer in `customerIds` order. */
  abstract history(snapshot: ServedSnapshot, customerIds: readonly string[]): Promise<CustomerVersionRow[]>;
}
