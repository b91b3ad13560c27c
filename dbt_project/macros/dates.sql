{#- Date rules used by several models, written once. -#}

{#- True when a dated record (assignment, allocation) is active on a day: it has started and
    has not ended before that day. end_date is the last day, so someone whose end_date is
    30 Sep is not in post at 30 Sep (they are a leaver of that year). -#}
{% macro is_active_on(start_column, end_column, on_date) -%}
    ({{ start_column }} <= {{ on_date }} and ({{ end_column }} is null or {{ end_column }} > {{ on_date }}))
{%- endmacro %}

{#- Number of weekdays (Monday to Friday) from start_date to end_date, both included; 0 when
    end_date < start_date. Arithmetic rather than a generated calendar so that it costs the
    same for a one-day and a one-year episode: weekdays up to a day, counted from Monday
    1 Jan 1900, minus the same count up to the day before start_date. -#}
{% macro weekdays_between(start_date, end_date) -%}
    greatest(
        0,
        (5 * (({{ end_date }} - date '1900-01-01' + 1) // 7)
            + least(({{ end_date }} - date '1900-01-01' + 1) % 7, 5))
        - (5 * (({{ start_date }} - date '1900-01-01') // 7)
            + least(({{ start_date }} - date '1900-01-01') % 7, 5))
    )
{%- endmacro %}

{#- The financial year (1 Apr - 31 Mar) a day falls in, labelled by the calendar year it starts
    in: 2024 is 1 Apr 2024 - 31 Mar 2025. -#}
{% macro financial_year_start(on_date) -%}
    (year({{ on_date }}) - case when month({{ on_date }}) < 4 then 1 else 0 end)
{%- endmacro %}
