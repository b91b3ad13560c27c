{#- A dbt var as a SQL text literal (null when the var is null), for kpi_settings. -#}
{% macro var_as_text(name) -%}
    {%- set value = var(name) -%}
    {%- if value is none -%}
        cast(null as varchar)
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
