-- entity: customers
-- from: online_retail
-- grain: one row per customer and invoice; silver keeps the latest per customer_id, so a
--        customer's country is the one of their last invoice. The export has no contact data.
with lines as (
    select * from bronze_online_retail
),

countries as (
    select *
    from (values
        ('Australia', 'AU'), ('Austria', 'AT'), ('Bahrain', 'BH'), ('Belgium', 'BE'), ('Brazil', 'BR'),
        ('Canada', 'CA'), ('Cyprus', 'CY'), ('Czech Republic', 'CZ'), ('Denmark', 'DK'), ('EIRE', 'IE'),
        ('Finland', 'FI'), ('France', 'FR'), ('Germany', 'DE'), ('Greece', 'GR'), ('Hong Kong', 'HK'),
        ('Iceland', 'IS'), ('Israel', 'IL'), ('Italy', 'IT'), ('Japan', 'JP'), ('Lebanon', 'LB'),
        ('Lithuania', 'LT'), ('Malta', 'MT'), ('Netherlands', 'NL'), ('Norway', 'NO'), ('Poland', 'PL'),
        ('Portugal', 'PT'), ('RSA', 'ZA'), ('Saudi Arabia', 'SA'), ('Singapore', 'SG'), ('Spain', 'ES'),
        ('Sweden', 'SE'), ('Switzerland', 'CH'), ('USA', 'US'), ('United Arab Emirates', 'AE'),
        ('United Kingdom', 'GB')
    ) as c (name, iso2)
    -- 'Channel Islands', 'European Community' and 'Unspecified' name no one country: left empty
),

per_invoice as (
    select
        regexp_replace(l.customer_id, '\.0$', '') as customer_id,
        c.iso2 as country,
        cast(l.invoice_date as timestamp) as updated_at,
        l._source_file,
        l._batch,
        l._line
    from lines as l
    left join countries as c on c.name = l.country
    qualify row_number() over (partition by l.customer_id, l.invoice_no order by l._line) = 1
)

select * from per_invoice
