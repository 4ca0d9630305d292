import { Injectable } from '@nestjs/common';
import { RowScope } from '../auth/row-scope';
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
    // gold/orders_daily.sql over the orders of in-scope customers (by their current country). A
    // customer's first order is looked for over all time, so new_customers means the same.
    return snapshot.query<DailyOrdersRow>(
      `with scoped_customers as (
          select customer_id from customer_360 where ${scopeCondition(scope, params)}
        ),
        counted as (
          select o.*
          from fact_orders o
          semi join scoped_customers c on c.customer_id = o.customer_id
          where o.is_counted and o.order_ts <= ${timestampParam(params, snapshot.asOf)}
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
            count(distinct c.customer_id) filter (where f.first_order_date = c.order_date) as new_customers
          from counted c
          join first_orders f on f.customer_id = c.customer_id
          where c.order_date between cast(${params.add(from)} as date) and cast(${params.add(to)} as date)
          group by c.order_date
        )
        select
          order_date as date,
          orders::bigint as orders,
          round(revenue_exact, 2)::decimal(18, 2) as revenue,
          customers::bigint as customers,
          new_customers::bigint as new_customers,
          money_avg(revenue_exact, orders) as aov
        from daily
        order by order_date`,
      params.values,
    );
  }
}
