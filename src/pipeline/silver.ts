import { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { ENTITIES, Entity, SourceDefinition } from '../ingest/source-definition';
import { ENTITY_SPECS, TRACKED_CUSTOMER_ATTRIBUTES } from './entities';

export const LOAD_ORDER = '_batch desc, _run_id desc, _source_file desc, _line desc';

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
      const read = `read_parquet([${list}], union_by_name = true, hive_partitioning = false)`;
      await execute(connection, `create or replace temp view ${view} as select * from ${read}`);
      if (source.kind === 'debezium') await addMissingPositionColumns(connection, view, read);
    } else {
      const columns = source.columns.map(
        (c) => `null::${columnType(source.entity, c.name)} as ${quoteIdent(c.name)}`,
      );
      const cdc =
        source.kind === 'debezium'
          ? `, null::varchar as op, null::bigint as ts_ms, null::timestamp as change_ts, null::bigint as lsn,
             null::bigint as commit_lsn, null::bigint as change_lsn`
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

/** Debezium bronze written before positions were kept has `lsn` only: both positions are that. */
async function addMissingPositionColumns(
  connection: DuckDBConnection,
  view: string,
  read: string,
): Promise<void> {
  const columns = await queryRows<{ column_name: string }>(connection, `describe select * from ${view}`);
  if (columns.some((c) => c.column_name === 'commit_lsn')) return;
  await execute(
    connection,
    `create or replace temp view ${view} as select *, lsn as commit_lsn, lsn as change_lsn from ${read}`,
  );
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

/** `stg_<entity>` views: every non-CDC source of the entity, cast onto the canonical columns. */
export async function createStagingViews(
  connection: DuckDBConnection,
  sources: SourceDefinition[],
): Promise<void> {
  for (const entity of ENTITIES) {
    await execute(
      connection,
      `create or replace temp view stg_${entity} as ${stagingUnion(entity, sources)}`,
    );
  }
}

type KeyedEntity = Exclude<Entity, 'customers'>;
const KEYED_ENTITIES = ENTITIES.filter((e): e is KeyedEntity => e !== 'customers');

/** One row per key of `from`: the greatest watermark, the row loaded last on ties. */
function latestPerKey(entity: KeyedEntity, from: string): string {
  const spec = ENTITY_SPECS[entity];
  const order = spec.watermark ? `${quoteIdent(spec.watermark)} desc nulls last, ${LOAD_ORDER}` : LOAD_ORDER;
  return `select * exclude (_rn) from (
         select *, row_number() over (partition by ${spec.key.map(quoteIdent).join(', ')} order by ${order}) as _rn
         from ${from}
       ) where _rn = 1`;
}

/**
 * Silver: one row per key, the latest by watermark (the row loaded last on ties), plus the
 * ordered customer change log that dim_customer is built from.
 */
export async function buildSilver(connection: DuckDBConnection, sources: SourceDefinition[]): Promise<void> {
  await createStagingViews(connection, sources);
  for (const entity of KEYED_ENTITIES) {
    await execute(
      connection,
      `create or replace table silver_${entity} as ${latestPerKey(entity, `stg_${entity}`)}`,
    );
  }
  await buildCustomerChanges(connection, sources);
}

/**
 * Incremental runs: silver as views over all bronze, the same definitions as `buildSilver`. Only
 * what reads them whole pays for them (table models such as dim_product); the incremental models
 * read the scoped tables of `buildScopedSilver`.
 */
export async function createSilverViews(
  connection: DuckDBConnection,
  sources: SourceDefinition[],
): Promise<void> {
  await createStagingViews(connection, sources);
  for (const entity of KEYED_ENTITIES) {
    await execute(
      connection,
      `create or replace temp view silver_${entity} as ${latestPerKey(entity, `stg_${entity}`)}`,
    );
  }
  await buildCustomerChanges(connection, sources, { view: true });
}

/**
 * The silver rows the changed customers' models read (`scoped_silver_*`): their change log, their
 * orders and events (by the latest version of each key, which decides whose it is), and every line
 * of any order that was ever theirs. Each is exactly what `buildSilver` holds for those customers.
 */
export async function buildScopedSilver(
  connection: DuckDBConnection,
  sources: SourceDefinition[],
  keys: string,
): Promise<void> {
  const ofKeys = `customer_id in (select customer_id from ${quoteIdent(keys)})`;
  for (const entity of ['orders', 'events'] as const) {
    const key = quoteIdent(ENTITY_SPECS[entity].key[0]);
    const versions = `(select * from stg_${entity} where ${key} in (select ${key} from stg_${entity} where ${ofKeys}))`;
    await execute(
      connection,
      `create or replace table scoped_silver_${entity} as
       select * from (${latestPerKey(entity, versions)}) where ${ofKeys}`,
    );
  }
  await execute(
    connection,
    `create or replace table scoped_silver_order_items as
     ${latestPerKey('order_items', `(select * from stg_order_items where order_id in (select order_id from stg_orders where ${ofKeys}))`)}`,
  );
  await buildCustomerChanges(connection, sources, { prefix: 'scoped_', keys });
}

/**
 * One Debezium source's envelopes as customer changes, in the connector's order: by commit
 * position, then change position (PostgreSQL `source.sequence`/`source.lsn`, MySQL binlog
 * file/pos/row), `ts_ms` only when there is no position. The change time never goes back along
 * that order (a running maximum of `ts_ms`), so history follows source order. A snapshot row
 * (`op: r`) takes the time of the change before it: it restates the state at its position, so a
 * snapshot re-emitted mid-stream adds no version, while a first snapshot row keeps its own time.
 * Re-sent envelopes sit at their original position and collapse with it.
 */
function cdcChanges(bronze: string, attributes: string[], scope = ''): string {
  const position = `coalesce(commit_lsn, lsn), coalesce(change_lsn, lsn), ts_ms, _batch, _run_id, _source_file, _line`;
  return `
        select customer_id, change_ts, is_delete, ${attributes.join(', ')}, updated_at, 1 as source_rank,
               position_seq as sequence, _run_id, _source_file, _batch, _line
        from (
          select *,
                 max(case when op <> 'r' or position_seq = 1 then envelope_ts end) over (
                   partition by customer_id order by position_seq rows between unbounded preceding and current row
                 ) as change_ts
          from (
            select customer_id, op, op = 'd' as is_delete, ${attributes.join(', ')},
                   coalesce(updated_at, change_ts) as updated_at, change_ts as envelope_ts,
                   row_number() over (partition by customer_id order by ${position}) as position_seq,
                   _run_id, _source_file, _batch, _line
            from ${bronze}
            where customer_id is not null${scope}
          )
        )`;
}

interface CustomerChangesOptions {
  /** Name prefix of the two relations (`scoped_` for the changed customers' rows). */
  prefix?: string;
  /** A table of customer_id: only those customers' changes (each customer's log is whole). */
  keys?: string;
  /** Views instead of tables (incremental runs, read only when something needs them whole). */
  view?: boolean;
}

async function buildCustomerChanges(
  connection: DuckDBConnection,
  sources: SourceDefinition[],
  options: CustomerChangesOptions = {},
): Promise<void> {
  const prefix = options.prefix ?? '';
  const kind = options.view ? 'temp view' : 'table';
  const scope = options.keys
    ? ` and customer_id in (select customer_id from ${quoteIdent(options.keys)})`
    : '';
  const attributes = TRACKED_CUSTOMER_ATTRIBUTES.map(quoteIdent);
  const hashInput = TRACKED_CUSTOMER_ATTRIBUTES.map(
    (name) => `coalesce(cast(${quoteIdent(name)} as varchar), chr(0))`,
  );
  const cdcSelects = sources
    .filter((s) => s.entity === 'customers' && s.kind === 'debezium')
    .map((source) => cdcChanges(quoteIdent(`bronze_${source.name}`), attributes, scope));
  const csv = `
        select customer_id, updated_at as change_ts, false as is_delete, ${attributes.join(', ')},
               updated_at, 0 as source_rank, _batch::bigint as sequence, _run_id, _source_file, _batch, _line
        from stg_customers
        where customer_id is not null${scope}`;
  await execute(
    connection,
    `create or replace ${kind} ${prefix}silver_customer_changes as
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
    `create or replace ${kind} ${prefix}silver_customers as
     select * exclude (is_delete, source_rank, sequence, change_seq, _rn) from (
       select *, row_number() over (partition by customer_id order by change_seq desc) as _rn
       from ${prefix}silver_customer_changes
     ) where _rn = 1 and not is_delete`,
  );
}
