{#- Red/amber/green of a value against its target. `worse_by` is how far the value is on the
    wrong side of the target (negative when better). On the target itself it is green when the
    target reads "at most" (`<=`, on_target_is_met true) and amber when it reads "below" (`<`). -#}
{% macro rag(worse_by, amber_band, on_target_is_met) -%}
    case
        when {{ worse_by }} < 0 or ({{ worse_by }} = 0 and {{ on_target_is_met }}) then 'green'
        when {{ worse_by }} <= {{ amber_band }} then 'amber'
        when {{ worse_by }} > {{ amber_band }} then 'red'
    end
{%- endmacro %}
