-- grain: one row per product, sales over counted orders up to as_of
-- depends_on: dim_product, fact_order_lines
-- as_of_window: fact_order_lines.order_ts
with counted_lines as (
    select *
    from fact_order_lines
    where is_counted and order_ts <= getvariable('as_of')::timestamp
),

sales as (
    select
        product_id,
        sum(quantity) as units,
        sum(line_amount) as revenue,
        count(distinct order_id) as orders,
        count(distinct customer_id) as customers
    from counted_lines
    group by product_id
)

select
    p.product_id,
    p.product_sk,
    p.name,
    p.category,
    p.brand,
    round(p.unit_price, 2)::decimal(18, 2) as unit_price,
    coalesce(s.units, 0)::bigint as units,
    round(coalesce(s.revenue, 0), 2)::decimal(18, 2) as revenue,
    coalesce(s.orders, 0)::bigint as orders,
    coalesce(s.customers, 0)::bigint as customers,
    rank() over (order by coalesce(s.revenue, 0) desc)::integer as revenue_rank
from dim_product p
left join sales s on s.product_id = p.product_id
order by p.product_id
