{#- Fails for every row where one of the given columns is null: a model's required columns,
    checked in one query rather than one test (and one query) per column. -#}
{% test not_null_columns(model, column_names) %}

select *
from {{ model }}
where {% for column in column_names -%}
    {{ column }} is null{% if not loop.last %} or {% endif %}
{%- endfor %}

{% endtest %}
