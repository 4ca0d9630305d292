-- grain: one row per UTC day with at least one counted order up to as_of
-- depends_on: fact_orders
-- as_of_window: fact_orders.order_ts
with counted as (
    select *
    from fact_orders
    where is_counted and order_ts <= getvariable('as_of')::timestamp
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
order by order_date
