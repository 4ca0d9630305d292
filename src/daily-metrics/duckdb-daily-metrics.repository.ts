import { Injectable } from '@nestjs/common';
import { RowScope } from '../auth/row-scope';
import { scopedModelSql } from '../pipeline/gold-models';
import { ServedSnapshot } from '../serving/served-snapshot';
import { scopeCondition, SqlParams, timestampParam } from '../serving/sql';
import { DailyMetricsRepository } from './daily-metrics.repository';
import { DailyOrdersRow } from './models/daily-orders.model';

@Injectable()
export class DuckDbDailyMetricsRepository extends DailyMetricsRepository {
  async ordersDaily(
    snapshot: ServedSnapshot,
    scope: RowScope,
    from: string,
    to: string,
  ): Promise<DailyOrdersRow[]> {
    const params = new SqlParams();
    if (!scope.restricted) {
      const range = `date between cast(${params.add(from)} as date) and cast(${params.add(to)} as date)`;
      return snapshot.query<DailyOrdersRow>(
        `select date, orders, revenue, customers, new_customers, aov
          from orders_daily where ${range} order by date`,
        params.values,
      );
    }
    // gold/orders_daily.sql itself over the orders of in-scope customers (by their current
    // country). A customer's first order is looked for over all time, so new_customers means the same.
    const orders = `(select o.* from fact_orders o
      semi join (select customer_id from customer_360 where ${scopeCondition(scope, params)}) c
        on c.customer_id = o.customer_id)`;
    const daily = scopedModelSql(
      'orders_daily',
      'fact_orders',
      orders,
      timestampParam(params, snapshot.asOf),
    );
    return snapshot.query<DailyOrdersRow>(
      `select date, orders, revenue, customers, new_customers, aov
        from (${daily}\n) as daily
        where date between cast(${params.add(from)} as date) and cast(${params.add(to)} as date)
        order by date`,
      params.values,
    );
  }
}
