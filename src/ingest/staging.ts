import { DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { safeMessage } from '../common/safe-message';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { sqlType } from './contract-sql';
import { ExtractResult, sqlTimestamp } from './extractor';
import { SourceDefinition } from './source-definition';

export class StagingModelError extends Error {}

/** Bronze metadata a staging SELECT must pass through from the rows it reads. */
const PASSED_THROUGH = ['_source_file', '_batch', '_line'] as const;

export interface StagingContext {
  connection: DuckDBConnection;
  runId: string;
  ingestTs: Date;
  bronzeDir: string;
}

/**
 * Runs one `ingest/staging/<name>.sql` model over the bronze its input source wrote in this run
 * (visible to the SELECT as `bronze_<input>`) and writes the result as this run's bronze of the
 * model, cast onto the entity's canonical columns. Silver then treats it like any source of the
 * entity: one row per key, the latest watermark winning, so a model maps rows and leaves
 * de-duplication to silver.
 */
export async function runStagingModel(
  context: StagingContext,
  model: SourceDefinition,
  inputBronze: string | null,
): Promise<ExtractResult> {
  const staging = model.staging;
  if (!staging) throw new StagingModelError(`${model.name} is not a staging model`);
  const result: ExtractResult = {
    source: model.name,
    files: [],
    read: 0,
    loaded: 0,
    quarantined: 0,
    bronzePath: null,
    quarantinePath: null,
    watermarkTo: null,
    drift: [],
    hashTotal: null,
  };
  if (!inputBronze) return result;
  const { connection } = context;
  const view = quoteIdent(`bronze_${staging.input}`);
  const fail = (error: unknown): never => {
    throw new StagingModelError(
      `staging model ${model.name} (${staging.file}) failed: ${safeMessage(error)}`,
    );
  };
  await execute(
    connection,
    `create or replace temp view ${view} as select * from read_parquet(${quoteLiteral(inputBronze)}, hive_partitioning = false)`,
  );
  try {
    const described = await queryRows<{ column_name: string }>(
      connection,
      `describe select * from (${staging.sql}) as s`,
    ).catch(fail);
    const output = described.map((d) => d.column_name);
    const canonical = model.columns.map((c) => c.name);
    const unknown = output.filter(
      (name) => !canonical.includes(name) && !PASSED_THROUGH.some((m) => m === name),
    );
    const missing = [...model.primaryKey, ...PASSED_THROUGH].filter((name) => !output.includes(name));
    if (unknown.length > 0 || missing.length > 0) {
      const parts = [
        unknown.length ? `unknown column(s) ${unknown.join(', ')}` : '',
        missing.length ? `missing column(s) ${missing.join(', ')}` : '',
      ].filter(Boolean);
      throw new StagingModelError(
        `staging model ${model.name} (${staging.file}): ${parts.join('; ')}; it selects the ${model.entity} columns plus ${PASSED_THROUGH.join(', ')}`,
      );
    }
    const columns = model.columns.map((column) =>
      output.includes(column.name)
        ? `cast(s.${quoteIdent(column.name)} as ${sqlType(column)}) as ${quoteIdent(column.name)}`
        : `null::${sqlType(column)} as ${quoteIdent(column.name)}`,
    );
    const ingestTs = `timestamp ${quoteLiteral(sqlTimestamp(context.ingestTs))}`;
    mkdirSync(join(context.bronzeDir, model.name), { recursive: true });
    const path = join(context.bronzeDir, model.name, `${context.runId}.parquet`);
    await execute(
      connection,
      `copy (
         select *, hash(${canonical.map(quoteIdent).join(', ')}) as _row_hash from (
           select ${columns.join(', ')}, ${ingestTs} as _ingest_ts, ${quoteLiteral(context.runId)} as _run_id,
                  cast(s._source_file as varchar) as _source_file, cast(s._batch as integer) as _batch,
                  cast(s._line as bigint) as _line
           from (${staging.sql}) as s
         ) order by _batch, _source_file, _line
       ) to ${quoteLiteral(path)} (format parquet, compression zstd)`,
    ).catch(fail);
    const watermark = model.watermark ? quoteIdent(model.watermark) : 'null';
    const [counts] = await queryRows<{ n: number; wm: string | null }>(
      connection,
      `select count(*) as n, strftime(max(${watermark}), '%Y-%m-%dT%H:%M:%S.%fZ') as wm
       from read_parquet(${quoteLiteral(path)})`,
    );
    result.bronzePath = path;
    result.read = counts.n;
    result.loaded = counts.n;
    result.watermarkTo = counts.wm === null ? null : counts.wm.replace(/\.?0+Z$/, 'Z');
    return result;
  } finally {
    await execute(connection, `drop view if exists ${view}`);
  }
}
