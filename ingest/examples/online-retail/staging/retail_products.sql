-- entity: products
-- from: online_retail
-- grain: one row per stock code and invoice; silver keeps the latest per product_id (its last
--        description and unit price). The export has no category or brand.
with lines as (
    select * from bronze_online_retail
),

per_invoice as (
    select
        stock_code as product_id,
        nullif(trim(description), '') as name,
        unit_price,
        cast(invoice_date as timestamp) as updated_at,
        _source_file,
        _batch,
        _line
    from lines
    qualify row_number() over (partition by stock_code, invoice_no order by _line desc) = 1
)

select * from per_invoice
