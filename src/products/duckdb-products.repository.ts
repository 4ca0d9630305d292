import { Injectable } from '@nestjs/common';
import { RowScope } from '../auth/row-scope';
import { scopedModelSql } from '../pipeline/gold-models';
import { ServedSnapshot } from '../serving/served-snapshot';
import { scopeCondition, SqlParams, timestampParam } from '../serving/sql';
import { ProductRow, ProductSort } from './models/product.model';
import { ProductFilter, ProductPageRequest, ProductsRepository } from './products.repository';

const COLUMNS = `product_id, cast(product_sk as varchar) as product_sk, name, category, brand, unit_price,
  units, revenue, orders, customers, revenue_rank`;

/**
 * `perf`: product_performance, or for a scoped caller the same model — gold/product_performance.sql
 * itself — over the lines of in-scope customers (by their current country) as of the snapshot.
 */
function performance(snapshot: ServedSnapshot, scope: RowScope, params: SqlParams): string {
  if (!scope.restricted) return 'perf as (select * from product_performance)';
  const lines = `(select l.* from fact_order_lines l
      semi join (select customer_id from customer_360 where ${scopeCondition(scope, params)}) c
        on c.customer_id = l.customer_id)`;
  return `perf as (${scopedModelSql('product_performance', 'fact_order_lines', lines, timestampParam(params, snapshot.asOf))}
)`;
}

const ORDER_BY: Record<ProductSort, string> = {
  [ProductSort.ProductId]: 'product_id asc',
  [ProductSort.RevenueRank]: 'revenue_rank asc, product_id asc',
};

@Injectable()
export class DuckDbProductsRepository extends ProductsRepository {
  async list(
    snapshot: ServedSnapshot,
    scope: RowScope,
    filter: ProductFilter,
    page: ProductPageRequest,
  ): Promise<ProductRow[]> {
    const params = new SqlParams();
    const perf = performance(snapshot, scope, params);
    const where = this.conditions(filter, params);
    if (page.after) {
      const id = params.add(page.after.productId);
      where.push(
        page.sort === ProductSort.ProductId
          ? `product_id > ${id}`
          : `(revenue_rank > ${params.add(page.after.rank)} or (revenue_rank = ${params.add(page.after.rank)} and product_id > ${id}))`,
      );
    }
    return snapshot.query<ProductRow>(
      `with ${perf}
      select ${COLUMNS} from perf
      where ${where.join(' and ')}
      order by ${ORDER_BY[page.sort]}
      limit ${params.add(page.limit)}`,
      params.values,
    );
  }

  async count(snapshot: ServedSnapshot, scope: RowScope, filter: ProductFilter): Promise<number> {
    const params = new SqlParams();
    const where = this.conditions(filter, params);
    // The scope changes figures, not which products exist: counting needs no sales.
    const rows = await snapshot.query<{ total: number }>(
      `select count(*) as total from product_performance where ${where.join(' and ')}`,
      params.values,
    );
    return rows[0]?.total ?? 0;
  }

  async findByIds(
    snapshot: ServedSnapshot,
    scope: RowScope,
    productIds: readonly string[],
  ): Promise<ProductRow[]> {
    if (productIds.length === 0) return [];
    const params = new SqlParams();
    const perf = performance(snapshot, scope, params);
    return snapshot.query<ProductRow>(
      `with ${perf}
      select ${COLUMNS} from perf where product_id in (${params.list(productIds)})`,
      params.values,
    );
  }

  private conditions(filter: ProductFilter, params: SqlParams): string[] {
    const where = ['true'];
    if (filter.category !== undefined) where.push(`category = ${params.add(filter.category)}`);
    return where;
  }
}
