-- Pay lines, the newest delivered row per assignment, pay period and pay element.
with

source as (
    {{ newest_row_per_key(source('payroll', 'payroll'), ['assignment_id', 'pay_period', 'pay_element']) }}
),

renamed as (
    select
        -- ids
        la_code,
        assignment_id,
        employee_pseudonym,

        -- attributes
        pay_period,
        pay_element,
        cost_centre,

        -- numbers
        amount_gbp,

        -- dates
        cast(pay_period || '-01' as date) as pay_period_start_date,
        extract_date,

        -- lineage
        file_id,
        source_row

    from source
),

final as (
    select * from renamed
)

select * from final
