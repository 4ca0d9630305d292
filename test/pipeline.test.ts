import {
  CUSTOMER_HEADER,
  ITEM_HEADER,
  ORDER_HEADER,
  PRODUCT_HEADER,
  PipelineHarness,
  csv,
} from './support/pipeline-harness';

describe('pipeline on a small landing zone', () => {
  let harness: PipelineHarness;

  beforeEach(() => {
    harness = new PipelineHarness({ C360_AS_OF: '2025-01-01T00:00:00Z' });
    harness.land(
      'customers.csv',
      csv(CUSTOMER_HEADER, [
        'C1, Anna@Example.com ,+49 30 5550001,Anna,Schmidt,1980-05-01,Main St 1,Berlin,BE,10115, de ,2020-01-01T00:00:00Z,true,2020-01-01T00:00:00Z',
        'C2,bob@example.com,,Bob,Brown,,,,,,FR,2021-01-01T00:00:00Z,false,2021-01-01T00:00:00Z',
        'C3,not-an-email,,Eve,Evil,,,,,,DE,,,2021-01-01T00:00:00Z',
        'C4,carl@example.com,,Carl,,,,,,,US,,,2021-06-01T00:00:00+02:00',
      ]),
    );
    harness.land(
      'products.csv',
      csv(PRODUCT_HEADER, [
        'P1,Mug,kitchen,Acme,10.00,2020-01-01T00:00:00Z',
        'P2,Book,books,Pub,20.00,2020-01-01T00:00:00Z',
      ]),
    );
    harness.land(
      'orders.csv',
      csv(ORDER_HEADER, [
        'O1,C1,2024-12-01T10:00:00Z,delivered,web,EUR,',
        'O2,C1,2024-12-20T10:00:00Z,Shipped ,app,EUR,2024-12-21T00:00:00Z',
        'O3,C1,2024-12-22T10:00:00Z,cancelled,app,EUR,2024-12-22T00:00:00Z',
        'O4,C2,2024-06-01T10:00:00Z,delivered,web,EUR,2024-06-01T10:00:00Z',
        'O5,C9,2024-06-01T10:00:00Z,delivered,web,EUR,2024-06-01T10:00:00Z',
        'O6,C2,2025-06-01T10:00:00Z,delivered,web,EUR,2025-06-01T10:00:00Z',
      ]),
    );
    harness.land(
      'order_items.csv',
      csv(ITEM_HEADER, [
        'O1,1,P1,2,10.00,1.00',
        'O1,2,P2,1,20.00,',
        'O2,1,P2,1,20.00,0',
        'O3,1,P1,5,10.00,0',
        'O4,1,P1,1,10.00,0',
        'O4,2,P1,1.5,10.00,0',
      ]),
    );
    harness.land(
      'events.ndjson',
      [
        '{"event_id":"E1","customer_id":"C1","event_ts":"2024-12-15T00:00:00Z","event_type":"page_view","session_id":"s1","device":"web","product_id":null}',
        '',
        '{"event_id":"E2","customer_id":"C1"',
        '{"event_id":"E3","customer_id":"C2","event_ts":"2024-01-15T00:00:00Z","event_type":"login","session_id":"s2","device":"ios","product_id":null}',
      ].join('\n') + '\n',
    );
  });

  afterEach(() => harness.cleanup());

  it('builds bronze, quarantine, silver and a published customer_360', async () => {
    const run = await harness.build();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    const bySource = Object.fromEntries(run.sources.map((s) => [s.name, s]));
    expect(bySource.customers).toMatchObject({ read: 4, loaded: 3, quarantined: 1 });
    expect(bySource.order_items).toMatchObject({ read: 6, loaded: 5, quarantined: 1 });
    expect(bySource.events).toMatchObject({ read: 4, loaded: 2, quarantined: 2 });

    const rows = await harness.snapshotRows('select * from customer_360 order by customer_id');
    expect(rows.map((r) => r.customer_id)).toEqual(['C1', 'C2', 'C4']);
    const c1 = rows[0];
    expect(c1).toMatchObject({
      email: 'anna@example.com',
      country: 'DE',
      orders_count: 2,
      lifetime_value: 59,
      avg_order_value: 29.5,
      recency_days: 11,
      favorite_category: 'books',
      events_30d: 1,
    });
    expect(rows[1]).toMatchObject({ customer_id: 'C2', orders_count: 1, lifetime_value: 10 });
    expect(rows[2]).toMatchObject({
      customer_id: 'C4',
      orders_count: 0,
      segment: 'prospects',
      lifetime_value: 0,
    });
  });
});
