import { DuckDBConnection } from '@duckdb/node-api';
import { execute, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { ENTITIES, Entity, SourceDefinition } from '../ingest/source-definition';
import { ENTITY_SPECS, TRACKED_CUSTOMER_ATTRIBUTES } from './entities';

const LOAD_ORDER = '_batch desc, _run_id desc, _source_file desc, _line desc';

/** A source's bronze rows: every committed bronze file plus this run's. */
export async function createBronzeViews(
  connection: DuckDBConnection,
  sources: SourceDefinition[],
  bronzeFiles: Map<string, string[]>,
): Promise<void> {
  for (const source of sources) {
    const files = bronzeFiles.get(source.name) ?? [];
    const view = quoteIdent(`bronze_${source.name}`);
    if (files.length > 0) {
      const list = files.map(quoteLiteral).join(', ');
      await execute(
        connection,
        `create or replace temp view ${view} as select * from read_parquet([${list}], union_by_name = true, hive_partitioning = false)`,
      );
    } else {
      const columns = source.columns.map(
        (c) => `null::${columnType(source.entity, c.name)} as ${quoteIdent(c.name)}`,
      );
      const cdc =
        source.kind === 'debezium'
          ? ', null::varchar as op, null::bigint as ts_ms, null::timestamp as change_ts, null::bigint as lsn'
          : '';
      await execute(
        connection,
        `create or replace temp view ${view} as select ${columns.join(', ')}${cdc},
           null::timestamp as _ingest_ts, null::varchar as _run_id, null::varchar as _source_file,
           null::integer as _batch, null::bigint as _line, null::ubigint as _row_hash where false`,
      );
    }
  }
}

function columnType(entity: Entity, column: string): string {
  return ENTITY_SPECS[entity].columns[column] ?? 'VARCHAR';
}

/** `stg_<entity>`: every non-CDC source of the entity, cast onto the canonical columns. */
function stagingUnion(entity: Entity, sources: SourceDefinition[]): string {
  const spec = ENTITY_SPECS[entity];
  const feeding = sources.filter((s) => s.entity === entity && s.kind !== 'debezium');
  const metadata = '_ingest_ts, _run_id, _source_file, _batch, _line';
  const selects = feeding.map((source) => {
    const names = new Set(source.columns.map((c) => c.name));
    const columns = Object.entries(spec.columns).map(([name, type]) =>
      names.has(name)
        ? `cast(${quoteIdent(name)} as ${type}) as ${quoteIdent(name)}`
        : `null::${type} as ${quoteIdent(name)}`,
    );
    return `select ${columns.join(', ')}, ${metadata} from ${quoteIdent(`bronze_${source.name}`)}`;
  });
  if (selects.length === 0) {
    const columns = Object.entries(spec.columns).map(
      ([name, type]) => `null::${type} as ${quoteIdent(name)}`,
    );
    return `select ${columns.join(', ')}, null::timestamp as _ingest_ts, null::varchar as _run_id,
              null::varchar as _source_file, null::integer as _batch, null::bigint as _line where false`;
  }
  return selects.join('\nunion all\n');
}

/**
 * Silver: one row per key, the latest by watermark (the row loaded last on ties), plus the
 * ordered customer change log that dim_customer is built from.
 */
export async function buildSilver(connection: DuckDBConnection, sources: SourceDefinition[]): Promise<void> {
  for (const entity of ENTITIES) {
    await execute(
      connection,
      `create or replace temp view stg_${entity} as ${stagingUnion(entity, sources)}`,
    );
  }
  for (const entity of ENTITIES.filter((e) => e !== 'customers')) {
    const spec = ENTITY_SPECS[entity];
    const order = spec.watermark
      ? `${quoteIdent(spec.watermark)} desc nulls last, ${LOAD_ORDER}`
      : LOAD_ORDER;
    await execute(
      connection,
      `create or replace table silver_${entity} as
       select * exclude (_rn) from (
         select *, row_number() over (partition by ${spec.key.map(quoteIdent).join(', ')} order by ${order}) as _rn
         from stg_${entity}
       ) where _rn = 1`,
    );
  }
  await buildCustomerChanges(connection, sources);
}

async function buildCustomerChanges(
  connection: DuckDBConnection,
  sources: SourceDefinition[],
): Promise<void> {
  const attributes = TRACKED_CUSTOMER_ATTRIBUTES.map(quoteIdent);
  const hashInput = TRACKED_CUSTOMER_ATTRIBUTES.map(
    (name) => `coalesce(cast(${quoteIdent(name)} as varchar), chr(0))`,
  );
  const cdcSelects = sources
    .filter((s) => s.entity === 'customers' && s.kind === 'debezium')
    .map(
      (source) => `
        select customer_id, change_ts, op = 'd' as is_delete, ${attributes.join(', ')},
               coalesce(updated_at, change_ts) as updated_at, 1 as source_rank, coalesce(lsn, 0) as sequence,
               _run_id, _source_file, _batch, _line
        from ${quoteIdent(`bronze_${source.name}`)}`,
    );
  const csv = `
        select customer_id, updated_at as change_ts, false as is_delete, ${attributes.join(', ')},
               updated_at, 0 as source_rank, _batch::bigint as sequence, _run_id, _source_file, _batch, _line
        from stg_customers`;
  await execute(
    connection,
    `create or replace table silver_customer_changes as
     select *,
            case when is_delete then 'deleted' else md5(concat_ws(chr(31), ${hashInput.join(', ')})) end as row_hash,
            row_number() over (
              partition by customer_id
              order by change_ts, source_rank, sequence, _run_id, _source_file, _line
            ) as change_seq
     from (${[csv, ...cdcSelects].join('\nunion all\n')})
     where customer_id is not null`,
  );
  await execute(
    connection,
    `create or replace table silver_customers as
     select * exclude (is_delete, source_rank, sequence, change_seq, _rn) from (
       select *, row_number() over (partition by customer_id order by change_seq desc) as _rn
       from silver_customer_changes
     ) where _rn = 1 and not is_delete`,
  );
}
