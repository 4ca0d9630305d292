import { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../duckdb/duckdb';
import { Entity, SourceDefinition } from '../ingest/source-definition';
import { GoldModel } from './gold-models';
import { LOAD_ORDER } from './silver';

/** The table of customer_id an incremental run recomputes. */
export const CHANGED_CUSTOMERS = 'changed_customers';

/**
 * The customers whose incremental models a run's new bronze rows can change (SPEC §4 entities):
 * - customers with a change (CSV row or Debezium envelope, deletes included);
 * - every customer an order of the run belongs or belonged to (any version of the order), and the
 *   customers of orders whose lines the run changed;
 * - every customer an event of the run belongs or belonged to;
 * - the buyers of a product that is new or whose category changed (a new product gives its lines
 *   a product_sk; the category decides favorite_category). A price change alone affects only
 *   product_performance, a table model recomputed every run.
 * Each rule reads all bronze (committed plus this run's), so it holds whatever order files arrive in.
 */
function dataChangesSql(sources: SourceDefinition[], loaded: ReadonlySet<Entity>): string {
  const cdc = sources
    .filter((s) => s.entity === 'customers' && s.kind === 'debezium')
    .map((s) => `select customer_id from ${quoteIdent(`bronze_${s.name}`)} where _run_id = $1`);
  // a rule reads the whole bronze of its entities: only the entities the run loaded rows for
  const branches: string[] = [];
  if (loaded.has('customers')) {
    branches.push('select customer_id from stg_customers where _run_id = $1', ...cdc);
  }
  if (loaded.has('orders') || loaded.has('order_items')) {
    branches.push('select customer_id from stg_orders where order_id in (select order_id from run_orders)');
  }
  if (loaded.has('events')) {
    branches.push(
      'select customer_id from stg_events where event_id in (select event_id from stg_events where _run_id = $1)',
    );
  }
  if (loaded.has('products')) {
    branches.push(`select customer_id from stg_orders
      where order_id in (
        select order_id from stg_order_items where product_id in (select product_id from changed_products)
      )`);
  }
  if (branches.length === 0) branches.push('select null::varchar as customer_id where $1 is null and false');
  const latest = (filter: string): string => `
      select product_id, category from (
        select product_id, category,
               row_number() over (partition by product_id order by updated_at desc nulls last, ${LOAD_ORDER}) as _rn
        from stg_products
        where product_id in (select product_id from touched_products)${filter}
      ) where _rn = 1`;
  return `
    with run_orders as (
      select order_id from stg_orders where _run_id = $1
      union
      select order_id from stg_order_items where _run_id = $1
    ),
    touched_products as (select distinct product_id from stg_products where _run_id = $1),
    previous_products as (${latest(' and _run_id is distinct from $1')}),
    current_products as (${latest('')}),
    changed_products as (
      select c.product_id
      from current_products c
      left join previous_products p on p.product_id = c.product_id
      where p.product_id is null or p.category is distinct from c.category
    ),
    keys as (
      ${branches.join('\n      union all\n      ')}
    )
    select distinct customer_id from keys where customer_id is not null`;
}

/**
 * Builds CHANGED_CUSTOMERS for an incremental run: the customers the run's data touched, plus —
 * when as_of moved since the base snapshot — the customers with a row that crossed it in an
 * incremental model's declared `as_of_window`. Returns how many customers that is.
 */
export async function computeChangedCustomers(
  connection: DuckDBConnection,
  options: {
    runId: string;
    sources: SourceDefinition[];
    /** Entities this run loaded rows for. */
    loaded: ReadonlySet<Entity>;
    models: GoldModel[];
    /** serve.duckdb of the base snapshot, and the as_of it was computed at. */
    basePath: string;
    baseAsOf: Date;
    asOf: Date;
  },
): Promise<number> {
  await execute(
    connection,
    `create or replace table ${CHANGED_CUSTOMERS} as ${dataChangesSql(options.sources, options.loaded)}`,
    [options.runId],
  );
  const windows = options.models.flatMap((m) => m.asOfWindows);
  if (windows.length > 0 && options.baseAsOf.getTime() !== options.asOf.getTime()) {
    const [low, high] = [options.baseAsOf, options.asOf].sort((a, b) => a.getTime() - b.getTime());
    await execute(connection, `attach ${quoteLiteral(options.basePath)} as base (read_only)`);
    try {
      const crossed = windows.map(
        (
          w,
        ) => `select customer_id from (select customer_id, (${w.expression}) as _crosses from base.main.${quoteIdent(w.relation)})
                where _crosses > $1::timestamp and _crosses <= $2::timestamp`,
      );
      await execute(
        connection,
        `create or replace table ${CHANGED_CUSTOMERS} as
         select distinct customer_id from (
           select customer_id from ${CHANGED_CUSTOMERS}
           ${crossed.map((select) => `union all ${select}`).join('\n')}
         ) where customer_id is not null`,
        [sqlTimestamp(low), sqlTimestamp(high)],
      );
    } finally {
      await execute(connection, 'detach base');
    }
  }
  const [row] = await queryRows<{ n: number }>(connection, `select count(*) as n from ${CHANGED_CUSTOMERS}`);
  return row.n;
}

function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
