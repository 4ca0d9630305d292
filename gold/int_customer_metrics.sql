-- grain: one row per customer_id with a counted order or an event up to as_of (known customer or not)
-- depends_on: fact_orders, fact_order_lines, dim_product, fact_events
-- materialized: incremental
-- partition_by: customer_id
-- unique_key: customer_id
-- as_of_window: fact_orders.order_ts, fact_events.event_ts, fact_events.event_ts + interval 720 hour
-- The per-customer half of customer_360 (SPEC §5): everything that depends on one customer's facts.
-- The window lines name what as_of is compared with, so a run whose as_of moved recomputes exactly
-- the customers with an order or event that crossed it (or left the 30-day event window).
-- as_of is a constant filter (never a join with a one-row relation: that plans as a nested loop)
with counted_orders as (
    select o.customer_id, o.order_amount, o.order_ts
    from fact_orders o
    where o.is_counted and o.order_ts <= getvariable('as_of')::timestamp
),

order_metrics as (
    select
        customer_id,
        count(*) as orders_count,
        sum(order_amount) as lifetime_value_exact,
        min(order_ts) as first_order_at,
        max(order_ts) as last_order_at
    from counted_orders
    group by customer_id
),

-- category of the current product version; lines of unknown products are ignored
category_amounts as (
    select l.customer_id, p.category, sum(l.line_amount) as amount
    from fact_order_lines l
    join dim_product p on p.product_id = l.product_id
    where l.is_counted and l.order_ts <= getvariable('as_of')::timestamp and p.category is not null
    group by l.customer_id, p.category
),

favorite_categories as (
    select customer_id, category as favorite_category
    from category_amounts
    qualify row_number() over (partition by customer_id order by amount desc, category asc) = 1
),

event_metrics as (
    select
        e.customer_id,
        count(*) filter (where e.event_ts > getvariable('as_of')::timestamp - interval 720 hour) as events_30d,
        max(e.event_ts) as last_seen_at
    from fact_events e
    where e.event_ts <= getvariable('as_of')::timestamp
    group by e.customer_id
),

customers as (
    select customer_id from order_metrics
    union
    select customer_id from event_metrics
)

select
    c.customer_id,
    coalesce(m.orders_count, 0)::integer as orders_count,
    coalesce(m.lifetime_value_exact, 0)::decimal(38, 4) as lifetime_value_exact,
    m.first_order_at,
    m.last_order_at,
    f.favorite_category,
    coalesce(e.events_30d, 0)::integer as events_30d,
    e.last_seen_at
from customers c
left join order_metrics m on m.customer_id = c.customer_id
left join favorite_categories f on f.customer_id = c.customer_id
left join event_metrics e on e.customer_id = c.customer_id
order by c.customer_id
