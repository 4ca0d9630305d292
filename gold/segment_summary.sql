-- grain: one row per configured segment (zero rows included)
-- depends_on: customer_360
with totals as (
    select count(*) as all_customers from customer_360
),

per_segment as (
    select
        segment,
        count(*) as customers,
        sum(lifetime_value) as total_lifetime_value,
        avg(recency_days) as avg_recency_days
    from customer_360
    group by segment
)

select
    s.segment,
    s.position::integer as position,
    coalesce(p.customers, 0)::bigint as customers,
    round(coalesce(p.customers, 0) / nullif(t.all_customers, 0), 4)::decimal(9, 4) as share,
    coalesce(p.total_lifetime_value, 0)::decimal(18, 2) as total_lifetime_value,
    money_avg(p.total_lifetime_value, p.customers) as avg_lifetime_value,
    round(p.avg_recency_days, 1)::decimal(9, 1) as avg_recency_days
from segment_names s
cross join totals t
left join per_segment p on p.segment = s.segment
order by s.position
