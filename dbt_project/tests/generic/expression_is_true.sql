{#- Fails for every row where the expression is false: an invariant between columns. A null
    result (an input not available for that row) does not fail. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
