{#- Incremental by authority. The intermediate tables hold per-authority rows derived from
    each authority's whole history. A run re-derives only the authorities whose deliveries
    changed since the build in place: the pipeline lists them in audit.build_scope before dbt
    runs (orchestration/publish/scope.py), every intermediate table reads its per-authority
    inputs through in_build_scope(), and the by_authority strategy below swaps those
    authorities' rows. A first build, or `--full-refresh` (which the pipeline passes when the
    project, seeds, suites or settings changed), derives every authority. The marts, small
    and spanning authorities (ALL, benchmarks), are rebuilt from these tables in full. -#}

{#- The filter of an intermediate model's per-authority inputs: the authorities in scope on an
    incremental build, every row otherwise. -#}
{% macro in_build_scope(column='la_code') -%}
    {%- if is_incremental() -%}
        {{ column }} in (select la_code from audit.build_scope)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- incremental_strategy 'by_authority': the authorities in scope lose all their rows and get
    the newly derived ones (delete+insert on la_code would keep the old rows of an authority
    whose new derivation is empty). -#}
{% macro get_incremental_by_authority_sql(arg_dict) -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    delete from {{ arg_dict['target_relation'] }}
    where la_code in (select la_code from audit.build_scope);

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
