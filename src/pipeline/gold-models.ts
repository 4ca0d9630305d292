import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../config/config';

/**
 * How a model is kept between runs.
 * - `table`: recomputed whole every run from its inputs.
 * - `incremental`: partitioned by `customer_id`; a run recomputes only the customers it touched
 *   and replaces their rows. The model promises that a customer's rows depend only on that
 *   customer's rows of every input that has a `customer_id` column (inputs without one, such as
 *   `dim_product`, are read whole).
 */
export type Materialization = 'table' | 'incremental';

/** The only partition key the silver layer tracks changes for. */
export const PARTITION_KEY = 'customer_id';

/** A timestamp expression of an input that the model compares with `as_of`. */
export interface AsOfWindow {
  relation: string;
  /** SQL over the relation's columns, e.g. `event_ts + interval 720 hour`. */
  expression: string;
}

export interface GoldModel {
  name: string;
  file: string;
  sql: string;
  dependsOn: string[];
  grain: string | null;
  materialized: Materialization;
  partitionBy: string | null;
  /** Columns that identify a row (incremental models: rows are merged by it). */
  uniqueKey: string[];
  /**
   * What the model compares with as_of. When as_of moves, an incremental model recomputes the
   * customers with a row whose expression crossed it; a table model is rebuilt only if some row
   * crossed it (a table model that uses as_of without declaring its window is always rebuilt).
   */
  asOfWindows: AsOfWindow[];
  /** The SQL reads `getvariable('as_of')`. */
  usesAsOf: boolean;
  /** Internal models (`int_*`) feed other models; they are not exported. */
  internal: boolean;
}

export class ModelDefinitionError extends Error {}

const HEADER = /^--\s*(grain|depends_on|materialized|partition_by|unique_key|as_of_window)\s*:\s*(.*)$/;
const NAME = /^[a-z][a-z0-9_]*$/;
const WINDOW = /^([a-z][a-z0-9_]*)\.(.+)$/;

function list(value: string): string[] {
  return value
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
}

function parseModel(dir: string, fileName: string): GoldModel {
  const name = fileName.slice(0, -4);
  const file = `gold/${fileName}`;
  if (!NAME.test(name)) throw new ModelDefinitionError(`${file}: bad model name`);
  const sql = readFileSync(join(dir, fileName), 'utf8');
  const model: GoldModel = {
    name,
    file,
    sql: sql.trim().replace(/;\s*$/, ''),
    dependsOn: [],
    grain: null,
    materialized: 'table',
    partitionBy: null,
    uniqueKey: [],
    asOfWindows: [],
    usesAsOf: /getvariable\s*\(\s*'as_of'\s*\)/i.test(sql),
    internal: name.startsWith('int_'),
  };
  for (const line of sql.split('\n')) {
    const match = HEADER.exec(line.trim());
    if (!match) continue;
    const value = match[2].trim();
    switch (match[1]) {
      case 'grain':
        model.grain = value;
        break;
      case 'depends_on':
        model.dependsOn = list(value);
        for (const dependency of model.dependsOn) {
          if (!NAME.test(dependency))
            throw new ModelDefinitionError(`${file}: bad depends_on "${dependency}"`);
        }
        break;
      case 'materialized':
        if (value !== 'table' && value !== 'incremental') {
          throw new ModelDefinitionError(`${file}: materialized must be table or incremental`);
        }
        model.materialized = value;
        break;
      case 'partition_by':
        if (value !== PARTITION_KEY) {
          throw new ModelDefinitionError(`${file}: partition_by must be ${PARTITION_KEY}`);
        }
        model.partitionBy = value;
        break;
      case 'unique_key':
        model.uniqueKey = list(value);
        for (const column of model.uniqueKey) {
          if (!NAME.test(column))
            throw new ModelDefinitionError(`${file}: bad unique_key column "${column}"`);
        }
        break;
      case 'as_of_window':
        model.asOfWindows = list(value).map((entry) => {
          const window = WINDOW.exec(entry);
          if (!window) {
            throw new ModelDefinitionError(`${file}: as_of_window entries are relation.expression`);
          }
          return { relation: window[1], expression: window[2].trim() };
        });
        break;
    }
  }
  if (model.materialized === 'incremental' && (!model.partitionBy || model.uniqueKey.length === 0)) {
    throw new ModelDefinitionError(
      `${file}: an incremental model needs partition_by: ${PARTITION_KEY} and a unique_key`,
    );
  }
  for (const window of model.asOfWindows) {
    if (!model.dependsOn.includes(window.relation)) {
      throw new ModelDefinitionError(
        `${file}: as_of_window relation ${window.relation} is not in depends_on`,
      );
    }
  }
  return model;
}

/** Reads `gold/*.sql`. Each model declares its upstream relations in a `-- depends_on:` line. */
export function loadGoldModels(configDir: string): GoldModel[] {
  const dir = join(configDir, 'gold');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((fileName) => parseModel(dir, fileName));
}

/** Models in dependency order (dependencies on non-models — silver tables — are inputs). */
export function orderModels(models: GoldModel[]): GoldModel[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const ordered: GoldModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: GoldModel, path: string[]): void => {
    const current = state.get(model.name);
    if (current === 'done') return;
    if (current === 'visiting') {
      throw new ModelDefinitionError(
        `gold models depend on each other in a cycle: ${[...path, model.name].join(' → ')}`,
      );
    }
    state.set(model.name, 'visiting');
    for (const dependency of model.dependsOn) {
      const upstream = byName.get(dependency);
      if (upstream) visit(upstream, [...path, model.name]);
    }
    state.set(model.name, 'done');
    ordered.push(model);
  };
  for (const model of models) visit(model, []);
  for (const model of ordered) {
    for (const window of model.asOfWindows) {
      if (!byName.has(window.relation)) {
        throw new ModelDefinitionError(
          `${model.file}: as_of_window relation ${window.relation} is not a model`,
        );
      }
    }
  }
  return ordered;
}

/** Identifies the model set: incremental state built by other model files is not reused. */
export function modelsFingerprint(models: GoldModel[], stateVersion: number, configuration = ''): string {
  const hash = createHash('sha256').update(`state:${stateVersion}\n${configuration}\n`);
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) {
    hash.update(`${model.name}\n${model.sql}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

/** How a gold model names the run's "now" (a served snapshot binds its own as_of instead). */
const AS_OF_EXPRESSION = "getvariable('as_of')::timestamp";
const shippedSql = new Map<string, string>();

/**
 * A shipped gold model (`gold/<model>.sql`) re-aimed for a row-scoped reader: its one
 * `from <input>` reads `replacement` instead (a relation with the same columns, e.g. only the
 * in-scope customers' rows) and its as_of is `asOf` (the served snapshot's instant, a parameter).
 * The serving repositories compute row-scoped aggregates with it, so they cannot drift from gold.
 */
export function scopedModelSql(model: string, input: string, replacement: string, asOf: string): string {
  let sql = shippedSql.get(model);
  if (sql === undefined) {
    sql = readFileSync(join(PACKAGE_ROOT, 'gold', `${model}.sql`), 'utf8')
      .trim()
      .replace(/;$/, '');
    shippedSql.set(model, sql);
  }
  const from = new RegExp(`\\bfrom\\s+${input}\\b`, 'g');
  const reads = sql.match(from)?.length ?? 0;
  if (reads !== 1 || !sql.includes(AS_OF_EXPRESSION)) {
    throw new ModelDefinitionError(
      `gold/${model}.sql must read ${input} once (found ${reads}) and use ${AS_OF_EXPRESSION} to serve row-scoped readers`,
    );
  }
  return sql
    .replace(from, () => `from ${replacement} as ${input}`)
    .split(AS_OF_EXPRESSION)
    .join(asOf);
}
