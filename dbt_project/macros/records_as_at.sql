{#- The one join-and-window shape of the int_*_as_at models: the records of one snapshot kind
    (staff assignments, agency assignments, establishment posts, case allocations) as the basis
    snapshot of each reporting date shows them (int_reporting_dates), and whether each record
    holds on that date.

    A census date keeps every record of its snapshot (a census year's starters, leavers and
    12-month counts are read from it). A month end keeps the records active on some day of its
    month; the window compares the end date with the month's first day inclusively, one day
    wider than needed, and downstream models read the flag, not the window.

    The rule of the reporting date (docs/kpi-definitions.md): a record holds on a day when
    start <= day and (end is empty or end > day). The end date is the day the record stops
    holding: someone whose end_date is 30 Sep is not in post at 30 Sep, they are a leaver of
    that year. end_is_inclusive=true counts a record on its end date as well; only the
    establishment passes it (see int_establishment_posts_as_at for why it is kept).

    records:     name of the import CTE of the snapshot kind
    basis_date:  the int_reporting_dates column with that kind's basis snapshot date
    flag:        name of the boolean column "holds on the reporting date"
    ids, attributes, numbers, dates: the record's columns to keep, in that order -#}
{% macro records_as_at(
    records, basis_date, start_column, end_column, flag,
    ids, attributes, numbers, dates, end_is_inclusive=false
) -%}
    {%- set start_date = records ~ '.' ~ start_column -%}
    {%- set end_date = records ~ '.' ~ end_column -%}
    {%- if end_is_inclusive -%}
        {%- set holds = '(' ~ start_date ~ ' <= reporting_dates.reporting_date and (' ~ end_date
            ~ ' is null or ' ~ end_date ~ ' >= reporting_dates.reporting_date))' -%}
    {%- else -%}
        {%- set holds = is_active_on(start_date, end_date, 'reporting_dates.reporting_date') -%}
    {%- endif -%}
    {#- ids, attributes (the flag last), numbers, dates, as the other models lay them out -#}
    {%- set columns = ['reporting_dates.la_code', 'reporting_dates.date_kind',
        'reporting_dates.reporting_date', 'reporting_dates.census_year'] -%}
    {%- for column in ids + attributes -%}
        {%- do columns.append(records ~ '.' ~ column) -%}
    {%- endfor -%}
    {%- do columns.append(holds ~ ' as ' ~ flag) -%}
    {%- for column in numbers -%}
        {%- do columns.append(records ~ '.' ~ column) -%}
    {%- endfor -%}
    {%- do columns.append('reporting_dates.period_start_date') -%}
    {%- for column in dates -%}
        {%- do columns.append(records ~ '.' ~ column) -%}
    {%- endfor -%}
    select
        {{ columns | join(',\n        ') }}
    from reporting_dates
    inner join {{ records }}
        on reporting_dates.la_code = {{ records }}.la_code
            and {{ version_valid_at(records, 'reporting_dates.' ~ basis_date) }}
    where reporting_dates.date_kind = 'census_date'
        or (
            {{ start_date }} <= reporting_dates.reporting_date
            and ({{ end_date }} is null or {{ end_date }} >= reporting_dates.period_start_date)
        )
{%- endmacro %}
