-- grain: one row per UTC calendar day from the first order or event to as_of
-- depends_on: fact_orders, fact_events
with bounds as (
    select
        least(
            coalesce((select min(order_ts) from fact_orders), getvariable('as_of')),
            coalesce((select min(event_ts) from fact_events), getvariable('as_of'))
        )::date as first_day,
        getvariable('as_of')::date as last_day
),

days as (
    select unnest(generate_series(first_day, last_day, interval 1 day))::date as date_day
    from bounds
)

select
    cast(strftime(date_day, '%Y%m%d') as integer) as date_key,
    date_day,
    year(date_day) as year,
    quarter(date_day) as quarter,
    month(date_day) as month,
    day(date_day) as day_of_month,
    isodow(date_day) as iso_day_of_week,
    weekofyear(date_day) as iso_week,
    isodow(date_day) >= 6 as is_weekend
from days
order by date_day
