-- grain: one row per current, not-deleted customer, computed as of getvariable('as_of') (SPEC §5)
-- depends_on: dim_customer, int_customer_metrics
-- Recomputed whole every run: recency moves with as_of and the RFM scores rank the whole
-- population; the per-customer sums come from the incremental int_customer_metrics.
with as_of as (
    select getvariable('as_of')::timestamp as ts
),

profiles as (
    select * from dim_customer where is_current and not is_deleted
),

joined as (
    select
        p.*,
        coalesce(m.orders_count, 0) as orders_count,
        coalesce(m.lifetime_value_exact, 0)::decimal(38, 4) as lifetime_value_exact,
        m.first_order_at,
        m.last_order_at,
        date_diff('second', m.last_order_at, as_of.ts) // 86400 as recency_days,
        m.favorite_category,
        coalesce(m.events_30d, 0) as events_30d,
        m.last_seen_at
    from profiles p
    cross join as_of
    left join int_customer_metrics m on m.customer_id = p.customer_id
),

-- NTILE(5) over customers with at least one counted order; 5 is best
rfm as (
    select
        customer_id,
        ntile(5) over (order by recency_days desc, customer_id asc) as r_score,
        ntile(5) over (order by orders_count asc, customer_id asc) as f_score,
        ntile(5) over (order by lifetime_value_exact asc, customer_id asc) as m_score
    from joined
    where orders_count > 0
)

select
    j.customer_id,
    j.customer_sk,
    j.email, j.phone, j.first_name, j.last_name, j.birth_date,
    j.street, j.city, j.state, j.postal_code, j.country,
    j.signup_at, j.marketing_opt_in,
    j.valid_from as profile_valid_from,
    j.orders_count::integer as orders_count,
    round(j.lifetime_value_exact, 2)::decimal(18, 2) as lifetime_value,
    -- exact, rounded half away from zero (money_avg)
    money_avg(j.lifetime_value_exact, j.orders_count) as avg_order_value,
    case when j.orders_count > 0 then j.first_order_at end as first_order_at,
    case when j.orders_count > 0 then j.last_order_at end as last_order_at,
    j.recency_days::integer as recency_days,
    r.r_score::integer as r_score,
    r.f_score::integer as f_score,
    r.m_score::integer as m_score,
    case when r.customer_id is null then segment_prospects() else segment_of(r.r_score, r.f_score, r.m_score) end as segment,
    case when j.orders_count > 0 then j.favorite_category end as favorite_category,
    j.events_30d::integer as events_30d,
    j.last_seen_at
from joined j
left join rfm r on r.customer_id = j.customer_id
order by j.customer_id
