-- grain: one row per order line (silver), with the customer version valid at order_ts
-- depends_on: dim_customer, dim_product, silver_orders, silver_order_items
with orders as (
    select * from silver_orders
),

lines as (
    select * from silver_order_items
),

-- range join: written with coalesce(valid_to, infinity) so DuckDB plans it as a range join
versions as (
    select customer_sk, customer_id, valid_from, coalesce(valid_to, 'infinity'::timestamp) as valid_until, version
    from dim_customer
),

first_versions as (
    select customer_id, customer_sk from dim_customer where version = 1
),

order_versions as (
    select o.order_id, v.customer_sk
    from orders o
    join versions v
        on o.customer_id = v.customer_id
        and o.order_ts >= v.valid_from
        and o.order_ts < v.valid_until
)

select
    l.order_id,
    l.line_no,
    o.customer_id,
    -- an order placed before the first recorded version belongs to that first version
    coalesce(ov.customer_sk, fv.customer_sk) as customer_sk,
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
left join order_versions ov on ov.order_id = o.order_id
left join first_versions fv on fv.customer_id = o.customer_id
left join dim_product p on p.product_id = l.product_id
order by o.customer_id, o.order_ts, l.order_id, l.line_no
