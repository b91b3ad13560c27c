{#- How the raw layer stores history (see orchestration/warehouse.py), written once. -#}

{#- A snapshot record version is the state "as at" a date when it was first shown on or
    before that date and not yet replaced (valid_to is exclusive). -#}
{% macro version_valid_at(versions, as_at_date) -%}
    ({{ versions }}.valid_from <= {{ as_at_date }}
        and ({{ versions }}.valid_to is null or {{ versions }}.valid_to > {{ as_at_date }}))
{%- endmacro %}

{#- A period kind keeps every delivered row; a newer extract's row replaces the older row with
    the same natural key (per authority). Within one extract the last row of the file wins. -#}
{% macro newest_row_per_key(relation, key_columns) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by la_code, {{ key_columns | join(', ') }}
        order by extract_date desc, source_row desc
    ) = 1
{%- endmacro %}
