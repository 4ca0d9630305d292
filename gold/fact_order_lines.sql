-- grain: one row per order line (silver) whose order is known, with the customer version valid at order_ts
-- depends_on: dim_customer, dim_product, silver_orders, silver_order_items
-- materialized: incremental
-- partition_by: customer_id
-- unique_key: order_id, line_no
with orders as (
    select * from silver_orders
),

lines as (
    select * from silver_order_items
),

versions as (
    select customer_id, customer_sk, valid_from, version from dim_customer
),

first_versions as (
    select customer_id, customer_sk from versions where version = 1
),

-- the version valid at order_ts (an ASOF join, never a nested loop); in the gap after a delete, the
-- version the delete closed; before the first version, the first version
order_versions as (
    select o.order_id, coalesce(v.customer_sk, f.customer_sk) as customer_sk
    from orders o
    asof left join versions v on o.customer_id = v.customer_id and o.order_ts >= v.valid_from
    left join first_versions f on f.customer_id = o.customer_id
)

select
    l.order_id,
    l.line_no,
    o.customer_id,
    ov.customer_sk,
    l.product_id,
    p.product_sk,
    o.order_ts,
    cast(o.order_ts as date) as order_date,
    o.status,
    coalesce(o.status not in ('cancelled', 'returned'), true) as is_counted,
    l.quantity,
    l.unit_price,
    l.discount,
    cast(l.quantity * l.unit_price - l.discount as decimal(38, 4)) as line_amount
from lines l
join orders o on o.order_id = l.order_id
join order_versions ov on ov.order_id = o.order_id
left join dim_product p on p.product_id = l.product_id
order by o.customer_id, o.order_ts, l.order_id, l.line_no
