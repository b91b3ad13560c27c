-- Recruitment and retention payments to employed CFSWs per authority, financial year and pay
-- element: the golden hellos, market supplements and retention allowances on the payroll lines of
-- CFSW assignments, by pay period. An adjustment (a negative line) nets off against the payments
-- it corrects; basic pay and every other element are not such a payment.
with

pay_lines as (
    select * from {{ ref('stg_payroll__pay_lines') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('stg_hr__staff') }}
    where {{ in_build_scope() }}
),

-- whether each assignment is a CFSW's, as the newest snapshot holding it shows it
cfsw_assignments as (
    select
        la_code,
        assignment_id
    from staff
    qualify
        row_number() over (partition by la_code, assignment_id order by valid_from desc) = 1
        and is_cfsw
),

payments as (
    select
        pay_lines.la_code,
        {{ financial_year_start('pay_lines.pay_period_start_date') }} as financial_year_start,
        pay_lines.pay_element,
        pay_lines.amount_gbp
    from pay_lines
    semi join cfsw_assignments
        on pay_lines.la_code = cfsw_assignments.la_code
            and pay_lines.assignment_id = cfsw_assignments.assignment_id
    where pay_lines.pay_element in ('golden_hello', 'market_supplement', 'retention_allowance')
),

final as (
    select
        -- ids
        la_code,
        financial_year_start,
        pay_element,

        -- dates
        make_date(financial_year_start, 4, 1) as period_start_date,
        make_date(financial_year_start + 1, 3, 31) as period_end_date,

        -- numbers
        count(*) as pay_lines,
        sum(amount_gbp) as amount_gbp

    from payments
    group by la_code, financial_year_start, pay_element
)

select * from final
