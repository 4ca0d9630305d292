-- entity: order_items
-- from: online_retail
-- grain: one row per distinct line of an invoice: a line repeated exactly is the same line (it
--        collapses), and lines are numbered in file order. A cancellation invoice writes its
--        quantities negative; the canonical line holds the quantity cancelled (its order is
--        cancelled and counts for nothing).
with lines as (
    select * from bronze_online_retail
),

distinct_lines as (
    select
        invoice_no,
        stock_code,
        description,
        quantity,
        unit_price,
        invoice_date,
        customer_id,
        country,
        min(_source_file) as _source_file,
        min(_batch) as _batch,
        min(_line) as _line
    from lines
    group by all
),

final as (
    select
        invoice_no as order_id,
        row_number() over (partition by invoice_no order by _batch, _source_file, _line) as line_no,
        stock_code as product_id,
        abs(quantity) as quantity,
        unit_price,
        0 as discount,
        _source_file,
        _batch,
        _line
    from distinct_lines
    where quantity <> 0
)

select * from final
