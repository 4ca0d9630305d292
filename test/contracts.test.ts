import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { renderContracts } from '../src/cli/contracts.command';

describe('checked-in contracts', () => {
  it('docs/openapi.json, graphql/schema.graphql and docs/configuration.md match the code (run npx c360 contracts)', async () => {
    const artifacts = await renderContracts();
    expect(artifacts.map((a) => a.path)).toEqual(
      expect.arrayContaining(['docs/openapi.json', 'graphql/schema.graphql', 'docs/configuration.md']),
    );
    for (const artifact of artifacts) {
      const checkedIn = readFileSync(join(__dirname, '..', artifact.path), 'utf8');
      expect({ path: artifact.path, content: checkedIn }).toEqual({
        path: artifact.path,
        content: artifact.content,
      });
    }
  });

  it('graphql/schema.graphql is a valid schema with the SPEC §8 root fields', () => {
    const schema = buildSchema(readFileSync(join(__dirname, '..', 'graphql', 'schema.graphql'), 'utf8'));
    const query = schema.getQueryType()?.getFields() ?? {};
    expect(Object.keys(query).sort()).toEqual(
      ['customer', 'customers', 'ordersDaily', 'product', 'products', 'segments'].sort(),
    );
    expect(query.customer.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual([
      'asOf: DateTime',
      'id: ID!',
    ]);
    expect(String(query.customers.type)).toBe('CustomerConnection!');
    expect(String(query.ordersDaily.type)).toBe('[DailyOrders!]!');
    const filter = schema.getType('CustomerFilter');
    expect(filter && 'getFields' in filter ? Object.keys(filter.getFields()).sort() : []).toEqual(
      ['country', 'email', 'lastOrderAfter', 'lastOrderBefore', 'maxLtv', 'minLtv', 'segment'].sort(),
    );
    const customer = schema.getType('Customer');
    expect(customer && 'getFields' in customer ? Object.keys(customer.getFields()) : []).toEqual(
      expect.arrayContaining([
        'customerId',
        'email',
        'lifetimeValue',
        'segment',
        'orders',
        'events',
        'history',
      ]),
    );
  });
});
