{#- Use a model's custom schema name as is (staging, intermediate, marts, reference), not
    prefixed with the target schema: analysts query marts.kpi_values, not main_marts. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
