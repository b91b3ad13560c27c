{{ config(materialized='view') }}

-- kpi_values without the `ALL` rows: each row one authority's figure, so that a sum or a
-- Power BI total over authorities counts each once (with one authority loaded, `ALL` repeats
-- its figures, and a naive sum over kpi_values doubles them). A view: the publisher copies it
-- into the published file as a table.
with

kpi_values as (
    select * from {{ ref('kpi_values') }}
),

final as (
    select * from kpi_values
    where la_code <> 'ALL'
)

select * from final
