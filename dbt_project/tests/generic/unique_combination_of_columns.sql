{#- Fails for every combination of the given columns that occurs more than once: the grain of
    a model whose key spans several columns (no dbt_utils here: the package hub is unreachable). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
