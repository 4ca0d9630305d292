import { athenaColumn, createTableDdl } from './athena-ddl';

describe('Athena DDL', () => {
  it('maps DuckDB types to Athena types, casting what Athena cannot read', () => {
    expect(athenaColumn({ name: 'a', type: 'DECIMAL(18,2)' })).toEqual({
      athenaType: 'decimal(18,2)',
      cast: null,
    });
    expect(athenaColumn({ name: 'a', type: 'VARCHAR' }).athenaType).toBe('string');
    expect(athenaColumn({ name: 'a', type: 'INTEGER' }).athenaType).toBe('int');
    expect(athenaColumn({ name: 'a', type: 'TIMESTAMP' })).toEqual({ athenaType: 'timestamp', cast: null });
    expect(athenaColumn({ name: 'a', type: 'TIMESTAMP WITH TIME ZONE' })).toEqual({
      athenaType: 'timestamp',
      cast: 'TIMESTAMP',
    });
    expect(athenaColumn({ name: 'a', type: 'UBIGINT' })).toEqual({
      athenaType: 'decimal(20,0)',
      cast: 'DECIMAL(20,0)',
    });
    expect(athenaColumn({ name: 'a', type: 'INTEGER[]' })).toEqual({ athenaType: 'string', cast: 'VARCHAR' });
  });

  it('writes partition projection for partitioned tables', () => {
    const ddl = createTableDdl({
      database: 'c360',
      table: 'fact_orders',
      columns: [{ name: 'order_id', athenaType: 'string' }],
      location: 's3://b/p/fact_orders/',
      partition: { column: 'order_month', firstMonth: '2019-01' },
    });
    expect(ddl).toBe(`CREATE EXTERNAL TABLE IF NOT EXISTS \`c360\`.\`fact_orders\` (
  \`order_id\` string
)
PARTITIONED BY (\`order_month\` string)
STORED AS PARQUET
LOCATION 's3://b/p/fact_orders/'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.order_month.type' = 'date',
  'projection.order_month.format' = 'yyyy-MM',
  'projection.order_month.range' = '2019-01,NOW',
  'projection.order_month.interval' = '1',
  'projection.order_month.interval.unit' = 'MONTHS',
  'storage.location.template' = 's3://b/p/fact_orders/order_month=\${order_month}/'
);`);
  });
});
