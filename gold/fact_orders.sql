-- grain: one row per order (silver), amount = sum of its lines (0 when none)
-- depends_on: fact_order_lines, dim_customer, silver_orders
-- materialized: incremental
-- partition_by: customer_id
-- unique_key: order_id
with line_totals as (
    select order_id, count(*) as line_count, sum(line_amount) as order_amount
    from fact_order_lines
    group by order_id
),

versions as (
    select customer_id, customer_sk, valid_from, version from dim_customer
),

first_versions as (
    select customer_id, customer_sk from versions where version = 1
),

-- same rule as fact_order_lines: the version valid at order_ts, the closed one after a delete,
-- the first one before the customer's first change
order_versions as (
    select o.order_id, coalesce(v.customer_sk, f.customer_sk) as customer_sk
    from silver_orders o
    asof left join versions v on o.customer_id = v.customer_id and o.order_ts >= v.valid_from
    left join first_versions f on f.customer_id = o.customer_id
)

select
    o.order_id,
    o.customer_id,
    ov.customer_sk,
    o.order_ts,
    cast(o.order_ts as date) as order_date,
    o.status,
    coalesce(o.status not in ('cancelled', 'returned'), true) as is_counted,
    o.channel,
    o.currency,
    o.updated_at,
    coalesce(t.line_count, 0)::bigint as line_count,
    coalesce(t.order_amount, 0)::decimal(38, 4) as order_amount
from silver_orders o
join order_versions ov on ov.order_id = o.order_id
left join line_totals t on t.order_id = o.order_id
order by o.customer_id, o.order_ts desc, o.order_id
