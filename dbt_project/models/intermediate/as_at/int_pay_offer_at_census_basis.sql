{{ config(materialized='view') }}
-- The pay offer each census year reports (CSWW LALevel, from 2025): the items of the
-- authority's hr_pay_offer basis snapshot of the year (int_census_years), the record versions
-- valid on its date. No rows for a year without a pay offer basis.
with

census_years as (
    select * from {{ ref('int_census_years') }}
    where pay_offer_basis_date is not null
),

items as (
    select * from {{ ref('stg_hr__pay_offer') }}
),

final as (
    select
        -- ids
        census_years.la_code,
        census_years.census_year,
        items.item,

        -- attributes
        items.eligible,
        items.detail,

        -- dates
        census_years.census_date,
        census_years.pay_offer_basis_date

    from census_years
    inner join items
        on census_years.la_code = items.la_code
            and {{ version_valid_at('items', 'census_years.pay_offer_basis_date') }}
)

select * from final
