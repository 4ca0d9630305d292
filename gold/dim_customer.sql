-- grain: one row per customer version (SCD Type 2, SPEC §6)
-- depends_on: silver_customer_changes
-- materialized: incremental
-- partition_by: customer_id
-- unique_key: customer_sk
-- A version starts at its source change time and ends where the next one starts. A delete closes
-- the version it ends and marks it deleted; a later change re-opens the customer. Every version of
-- a customer is derived from that customer's whole change log, so a late change lands where it
-- belongs and re-applying a batch changes nothing.
with changes as (
    select * from silver_customer_changes
),

-- several changes at the same instant: the last in source order wins
last_per_instant as (
    select *
    from changes
    qualify row_number() over (partition by customer_id, change_ts order by change_seq desc) = 1
),

-- a new version only when the tracked attributes (or deletion) actually change
state_changes as (
    select *
    from (
        select *, lag(row_hash) over (partition by customer_id order by change_ts) as previous_hash
        from last_per_instant
    )
    where previous_hash is null or previous_hash <> row_hash
),

bounded as (
    select
        *,
        lead(change_ts) over (partition by customer_id order by change_ts) as next_change_ts,
        lead(is_delete) over (partition by customer_id order by change_ts) as next_is_delete
    from state_changes
),

versions as (
    select
        customer_id,
        email, phone, first_name, last_name, birth_date, street, city, state, postal_code, country,
        signup_at, marketing_opt_in, updated_at,
        row_hash,
        change_ts as valid_from,
        next_change_ts as valid_to,
        next_change_ts is null as is_current,
        coalesce(next_is_delete, false) as is_deleted
    from bounded
    where not is_delete
)

select
    -- stable across rebuilds: a function of the customer and the start of the version
    ('0x' || left(md5(customer_id || '|' || cast(valid_from as varchar)), 15))::bigint as customer_sk,
    customer_id,
    email, phone, first_name, last_name, birth_date, street, city, state, postal_code, country,
    signup_at, marketing_opt_in, updated_at,
    row_hash,
    valid_from,
    valid_to,
    is_current,
    is_deleted,
    row_number() over (partition by customer_id order by valid_from)::integer as version
from versions
order by customer_id, valid_from
