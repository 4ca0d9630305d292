-- grain: one row per product (current version, SCD Type 1)
-- depends_on: silver_products
select
    ('0x' || left(md5(product_id), 15))::bigint as product_sk,
    product_id,
    name,
    category,
    brand,
    unit_price,
    updated_at
from silver_products
order by product_id
