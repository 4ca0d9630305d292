-- grain: one row per order (silver), amount = sum of its lines (0 when none)
-- depends_on: fact_order_lines, dim_customer, silver_orders
with line_totals as (
    select order_id, count(*) as line_count, sum(line_amount) as order_amount
    from fact_order_lines
    group by order_id
),

versions as (
    select customer_sk, customer_id, valid_from, coalesce(valid_to, 'infinity'::timestamp) as valid_until
    from dim_customer
),

order_versions as (
    select o.order_id, v.customer_sk
    from silver_orders o
    join versions v
        on o.customer_id = v.customer_id
        and o.order_ts >= v.valid_from
        and o.order_ts < v.valid_until
)

select
    o.order_id,
    o.customer_id,
    coalesce(ov.customer_sk, fv.customer_sk) as customer_sk,
    o.order_ts,
    cast(o.order_ts as date) as order_date,
    o.status,
    coalesce(o.status not in ('cancelled', 'returned'), true) as is_counted,
    o.channel,
    o.currency,
    o.updated_at,
    coalesce(t.line_count, 0) as line_count,
    coalesce(t.order_amount, 0)::decimal(38, 4) as order_amount
from silver_orders o
left join line_totals t on t.order_id = o.order_id
left join order_versions ov on ov.order_id = o.order_id
left join (select customer_id, customer_sk from dim_customer where version = 1) fv on fv.customer_id = o.customer_id
order by o.customer_id, o.order_ts desc, o.order_id
