{#- A dbt var as a SQL text literal (null when the var is null), for kpi_settings. -#}
{% macro var_as_text(name) -%}
    {%- set value = var(name) -%}
    {%- if value is none -%}
        cast(null as varchar)
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}

{#- The suppression threshold as a number, or none; anything else stops the build rather than
    publish unsuppressed figures by mistake. -#}
{% macro suppression_threshold() -%}
    {%- set threshold = var('suppression_threshold') -%}
    {%- if threshold is not none and (threshold is not number or threshold is sameas true
        or threshold is sameas false or threshold < 1) -%}
        {{ exceptions.raise_compiler_error(
            "var suppression_threshold must be a number >= 1 or null, got " ~ threshold
        ) }}
    {%- endif -%}
    {{- return(threshold) -}}
{%- endmacro %}
