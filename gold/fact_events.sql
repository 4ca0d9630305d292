-- grain: one row per behaviour event (silver), with the customer version valid at event_ts
-- depends_on: dim_customer, silver_events
with versions as (
    select customer_sk, customer_id, valid_from, coalesce(valid_to, 'infinity'::timestamp) as valid_until
    from dim_customer
),

event_versions as (
    select e.event_id, v.customer_sk
    from silver_events e
    join versions v
        on e.customer_id = v.customer_id
        and e.event_ts >= v.valid_from
        and e.event_ts < v.valid_until
)

select
    e.event_id,
    e.customer_id,
    coalesce(ev.customer_sk, fv.customer_sk) as customer_sk,
    e.event_ts,
    cast(e.event_ts as date) as event_date,
    e.event_type,
    e.session_id,
    e.device,
    e.product_id
from silver_events e
left join event_versions ev on ev.event_id = e.event_id
left join (select customer_id, customer_sk from dim_customer where version = 1) fv on fv.customer_id = e.customer_id
order by e.customer_id, e.event_ts desc, e.event_id
