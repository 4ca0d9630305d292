import { Row } from '../../src/duckdb/duckdb';
import { PipelineHarness } from './pipeline-harness';

/** Gold tables compared row by row between two data directories (keys as text: 60-bit sks). */
export const GOLD_TABLES: Record<string, string> = {
  customer_360: 'customer_id',
  dim_customer: 'customer_id, valid_from',
  fact_orders: 'order_id',
  fact_order_lines: 'order_id, line_no',
  fact_events: 'event_id',
  product_performance: 'product_id',
  orders_daily: 'date',
  segment_summary: 'segment',
};

export async function goldContent(harness: PipelineHarness): Promise<Record<string, Row[]>> {
  const content: Record<string, Row[]> = {};
  for (const [table, order] of Object.entries(GOLD_TABLES)) {
    content[table] = await harness.snapshotRows(`select columns(*)::varchar from ${table} order by ${order}`);
  }
  return content;
}
