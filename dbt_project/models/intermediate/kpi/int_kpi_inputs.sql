-- Every KPI's numerator and denominator, as the int_kpi_inputs__* models write them: one row per
-- authority, KPI, breakdown, breakdown value and period. A new KPI's model is added here, with
-- one union line; kpi_values reads this model alone, so its own tests need no change.

select * from {{ ref('int_kpi_inputs__census_counts') }}
union all by name
select * from {{ ref('int_kpi_inputs__leavers_and_starters') }}
union all by name
select * from {{ ref('int_kpi_inputs__establishment') }}
union all by name
select * from {{ ref('int_kpi_inputs__caseloads') }}
union all by name
select * from {{ ref('int_kpi_inputs__agency_spend') }}
union all by name
select * from {{ ref('int_kpi_inputs__cost_per_fte') }}
union all by name
select * from {{ ref('int_kpi_inputs__month_ends') }}
union all by name
select * from {{ ref('int_kpi_inputs__agency_rules') }}
union all by name
select * from {{ ref('int_kpi_inputs__agency_cover') }}
union all by name
select * from {{ ref('int_kpi_inputs__recruitment_and_retention_payments') }}
union all by name
select * from {{ ref('int_kpi_inputs__people') }}
union all by name
select * from {{ ref('int_kpi_inputs__recruitment') }}
union all by name
select * from {{ ref('int_kpi_inputs__recruitment_forecast') }}
