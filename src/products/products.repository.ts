import { RowScope } from '../auth/row-scope';
import { ServedSnapshot } from '../serving/served-snapshot';
import { ProductRow, ProductSort } from './models/product.model';

export interface ProductFilter {
  category?: string;
}

/** Position after the last row of a page: its revenue_rank (for that sort) and product_id. */
export interface ProductSortKey {
  rank: number | null;
  productId: string;
}

export interface ProductPageRequest {
  sort: ProductSort;
  after: ProductSortKey | null;
  limit: number;
}

/**
 * Product performance from one served snapshot. Unscoped callers read the precomputed
 * product_performance; a caller limited to countries gets the same figures computed from the order
 * lines of customers in those countries only (SPEC §9: scope holds for aggregates too).
 */
export abstract class ProductsRepository {
  abstract list(
    snapshot: ServedSnapshot,
    scope: RowScope,
    filter: ProductFilter,
    page: ProductPageRequest,
  ): Promise<ProductRow[]>;

  abstract count(snapshot: ServedSnapshot, scope: RowScope, filter: ProductFilter): Promise<number>;

  abstract findByIds(
    snapshot: ServedSnapshot,
    scope: RowScope,
    productIds: readonly string[],
  ): Promise<ProductRow[]>;
}
