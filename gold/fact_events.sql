-- grain: one row per behaviour event (silver), with the customer version valid at event_ts
-- depends_on: dim_customer, silver_events
-- materialized: incremental
-- partition_by: customer_id
-- unique_key: event_id
with versions as (
    select customer_id, customer_sk, valid_from, version from dim_customer
),

first_versions as (
    select customer_id, customer_sk from versions where version = 1
),

-- same rule as the order facts: an ASOF join on valid_from, the first version before it starts
event_versions as (
    select e.event_id, coalesce(v.customer_sk, f.customer_sk) as customer_sk
    from silver_events e
    asof left join versions v on e.customer_id = v.customer_id and e.event_ts >= v.valid_from
    left join first_versions f on f.customer_id = e.customer_id
)

select
    e.event_id,
    e.customer_id,
    ev.customer_sk,
    e.event_ts,
    cast(e.event_ts as date) as event_date,
    e.event_type,
    e.session_id,
    e.device,
    e.product_id
from silver_events e
join event_versions ev on ev.event_id = e.event_id
order by e.customer_id, e.event_ts desc, e.event_id
