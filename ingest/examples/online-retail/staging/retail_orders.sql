-- entity: orders
-- from: online_retail
-- grain: one row per invoice line; silver keeps one per order_id (the latest line, so an invoice
--        written over several minutes is placed at its last one). Invoices starting with C are
--        cancellations: cancelled orders, which count for nothing.
with lines as (
    select * from bronze_online_retail
),

final as (
    select
        invoice_no as order_id,
        regexp_replace(customer_id, '\.0$', '') as customer_id,
        cast(invoice_date as timestamp) as order_ts,
        case when starts_with(invoice_no, 'C') then 'cancelled' else 'delivered' end as status,
        'web' as channel,
        'GBP' as currency,
        cast(invoice_date as timestamp) as updated_at,
        _source_file,
        _batch,
        _line
    from lines
)

select * from final
