/**
 * The four request types of the serving benchmark and how each server is asked them: the same
 * data and the same answer everywhere, in each server's own protocol. A request is probed once
 * before it is loaded; a server that lacks the route shows "n/a" instead of failing the bench.
 * Each answer is reduced to a signature (ids and counts) so the answers can be compared.
 */
import {
  Field,
  fieldsOf,
  Introspection,
  introspect,
  TypeRef,
  isList,
  namedType,
  scalarFields,
  typeOf,
} from './graphql-introspect';
import { LoadRequest } from './load-generator';
import { LINE_FIELDS } from './plain-common';
import { httpJson } from './proc';

export type RequestKind = 'by_id' | 'segment_top' | 'orders_lines' | 'graphql_top';

export interface Target {
  minRps: number;
  maxP99Ms?: number;
  text: string;
}

export const REQUEST_TYPES: ReadonlyArray<{ kind: RequestKind; label: string; target: Target }> = [
  {
    kind: 'by_id',
    label: 'one customer by id',
    target: { minRps: 18_000, maxP99Ms: 10, text: '≥ 18,000 rps, p99 ≤ 10 ms' },
  },
  {
    kind: 'segment_top',
    label: 'top 50 of a segment by lifetime value',
    target: { minRps: 2_500, text: '≥ 2,500 rps' },
  },
  {
    kind: 'orders_lines',
    label: 'customer’s last 10 orders with lines',
    target: { minRps: 5_000, text: '≥ 5,000 rps' },
  },
  {
    kind: 'graphql_top',
    label: 'GraphQL: top 50 of a segment with ordersCount',
    target: { minRps: 4_500, text: '≥ 4,500 rps' },
  },
];

export const TOP_N = 50;
export const LAST_ORDERS = 10;

/** How one server is asked one request type. */
export interface ServerRequest {
  /** What the load generator sends; `values` are filled in by the bench (from `mapValue`). */
  template: Omit<LoadRequest, 'values' | 'pick'>;
  /** The value the server expects for a base value (a customer id or a segment name). */
  mapValue(base: string): string;
  /** Ids and counts of an answer, comparable across servers; throws on an unexpected shape. */
  signature(body: unknown): string;
}

export type Availability = { ok: true; request: ServerRequest } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Answer signatures

type Json = unknown;

function at(value: Json, path: Array<string | number>): Json {
  let current: Json = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object')
      throw new Error(`no ${path.join('.')} in the answer`);
    current = (current as Record<string | number, Json>)[key];
  }
  return current;
}

function list(value: Json, path: Array<string | number>): Json[] {
  const found = at(value, path);
  if (!Array.isArray(found)) throw new Error(`${path.join('.')} is not a list`);
  return found;
}

const money = (value: Json): string => (value === null ? 'null' : Number(value).toFixed(2));

function customerSignature(row: Json, camel: boolean): string {
  const f = (snake: string, camelName: string): Json => at(row, [camel ? camelName : snake]);
  return [
    f('customer_id', 'customerId'),
    f('orders_count', 'ordersCount'),
    money(f('lifetime_value', 'lifetimeValue')),
    f('segment', 'segment'),
  ].join('|');
}

// ---------------------------------------------------------------------------------------------
// REST (c360 and the plain peers: the same paths)

const identity = (v: string): string => v;

export function restRequests(
  headers: Record<string, string>,
): Record<Exclude<RequestKind, 'graphql_top'>, ServerRequest> {
  return {
    by_id: {
      template: { method: 'GET', path: '/v1/customers/{v}', headers },
      mapValue: identity,
      signature: (body) => customerSignature(body, false),
    },
    segment_top: {
      template: {
        method: 'GET',
        path: `/v1/customers?segment={v}&sort=-lifetime_value&limit=${TOP_N}`,
        headers,
      },
      mapValue: identity,
      signature: (body) =>
        list(body, ['data'])
          .map((r) => at(r, ['customer_id']))
          .join(','),
    },
    orders_lines: {
      template: { method: 'GET', path: `/v1/customers/{v}/orders?limit=${LAST_ORDERS}`, headers },
      mapValue: identity,
      signature: (body) =>
        list(body, ['data'])
          .map((o) => `${String(at(o, ['order_id']))}:${list(o, ['lines']).length}`)
          .join(','),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// GraphQL

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * A POST /graphql with one variable holding the value (`{v}`, a plain token) so the document is the
 * same for every request: servers that cache parsed or planned operations (both do) can use it.
 */
function graphqlTemplate(
  headers: Record<string, string>,
  query: string,
  variable: string,
  asList = false,
): ServerRequest['template'] {
  const variables = { [variable]: asList ? ['{v}'] : '{v}' };
  return {
    method: 'POST',
    path: '/graphql',
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify({ query, variables }),
  };
}

/** GraphQL type syntax of an introspected type reference, e.g. `[String!]`. */
export function typeSyntax(ref: TypeRef): string {
  if (ref.kind === 'NON_NULL' && ref.ofType) return `${typeSyntax(ref.ofType)}!`;
  if (ref.kind === 'LIST' && ref.ofType) return `[${typeSyntax(ref.ofType)}]`;
  return ref.name ?? 'String';
}

function enumValue(schema: Introspection, typeName: string | null, wanted: string[]): string | null {
  const values = typeOf(schema, typeName)?.enumValues?.map((v) => v.name) ?? [];
  return wanted.find((w) => values.includes(w)) ?? null;
}

function connectionNodeType(schema: Introspection, field: Field): string | null {
  const connection = namedType(field.type).name;
  const nodes = fieldsOf(schema, connection).find((f) => f.name === 'nodes');
  if (nodes) return namedType(nodes.type).name;
  const edges = fieldsOf(schema, connection).find((f) => f.name === 'edges');
  const node = edges && fieldsOf(schema, namedType(edges.type).name).find((f) => f.name === 'node');
  return node ? namedType(node.type).name : null;
}

const camel = (snake: string): string => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** PostGraphile's generated names, found by introspection (see postgraphile.ts for the list). */
export async function postGraphileRequests(base: string): Promise<Record<RequestKind, Availability>> {
  const outcome = await introspect(`${base}/graphql`, {});
  if (!outcome.ok) {
    const reason = `n/a (introspection failed: ${outcome.reason})`;
    return {
      by_id: { ok: false, reason },
      segment_top: { ok: false, reason },
      orders_lines: { ok: false, reason },
      graphql_top: { ok: false, reason },
    };
  }
  const schema = outcome.schema;
  const root = fieldsOf(schema, schema.queryType);
  const byId = root.find((f) => f.args.length === 1 && f.args[0].name === 'customerId');
  const all = root.find(
    (f) =>
      f.args.some((a) => a.name === 'condition') &&
      byId &&
      connectionNodeType(schema, f) === namedType(byId.type).name,
  );
  if (!byId || !all) {
    const reason = 'n/a (no customer fields in the generated schema)';
    return {
      by_id: { ok: false, reason },
      segment_top: { ok: false, reason },
      orders_lines: { ok: false, reason },
      graphql_top: { ok: false, reason },
    };
  }
  const customerType = namedType(byId.type).name ?? 'Customer';
  const idType = typeSyntax(byId.args[0].type);
  const conditionArg = all.args.find((a) => a.name === 'condition');
  const segmentCondition = typeOf(
    schema,
    conditionArg ? namedType(conditionArg.type).name : null,
  )?.inputFields?.find((f) => f.name === 'segment');
  const segmentType = segmentCondition ? typeSyntax(segmentCondition.type) : 'String';
  const customerFields = scalarFields(schema, customerType).filter((f) => f !== 'id');
  const customerOrder = all.args.find((a) => a.name === 'orderBy');
  const ltvDesc = enumValue(schema, customerOrder ? namedType(customerOrder.type).name : null, [
    'LIFETIME_VALUE_DESC',
  ]);
  const idAsc = enumValue(schema, customerOrder ? namedType(customerOrder.type).name : null, [
    'CUSTOMER_ID_ASC',
    'PRIMARY_KEY_ASC',
  ]);
  const ordersField = fieldsOf(schema, customerType).find((f) => {
    const node = f.args.some((a) => a.name === 'orderBy') ? connectionNodeType(schema, f) : null;
    return node !== null && fieldsOf(schema, node).some((x) => x.name === 'orderTs');
  });
  const orderType = ordersField ? connectionNodeType(schema, ordersField) : null;
  const linesField = fieldsOf(schema, orderType).find((f) => {
    const node = f.args.some((a) => a.name === 'orderBy') ? connectionNodeType(schema, f) : null;
    return node !== null && fieldsOf(schema, node).some((x) => x.name === 'lineNo');
  });
  const ordersOrderBy = ordersField?.args.find((a) => a.name === 'orderBy');
  const linesOrderBy = linesField?.args.find((a) => a.name === 'orderBy');
  const tsDesc = enumValue(schema, ordersOrderBy ? namedType(ordersOrderBy.type).name : null, [
    'ORDER_TS_DESC',
  ]);
  const orderIdDesc = enumValue(schema, ordersOrderBy ? namedType(ordersOrderBy.type).name : null, [
    'ORDER_ID_DESC',
    'PRIMARY_KEY_DESC',
  ]);
  const lineAsc = enumValue(schema, linesOrderBy ? namedType(linesOrderBy.type).name : null, [
    'LINE_NO_ASC',
    'PRIMARY_KEY_ASC',
  ]);

  const result: Record<RequestKind, Availability> = {
    by_id: {
      ok: true,
      request: {
        template: graphqlTemplate(
          {},
          `query ($id: ${idType}) { ${byId.name}(customerId: $id) { ${customerFields.join(' ')} } }`,
          'id',
        ),
        mapValue: identity,
        signature: (body) => customerSignature(at(body, ['data', byId.name]), true),
      },
    },
    segment_top: { ok: false, reason: 'n/a (no LIFETIME_VALUE_DESC ordering)' },
    orders_lines: { ok: false, reason: 'n/a (no orders/lines relations)' },
    graphql_top: { ok: false, reason: 'n/a (no LIFETIME_VALUE_DESC ordering)' },
  };
  if (ltvDesc && idAsc) {
    const args = `condition: { segment: $segment }, orderBy: [${ltvDesc}, ${idAsc}], first: ${TOP_N}`;
    result.segment_top = {
      ok: true,
      request: {
        template: graphqlTemplate(
          {},
          `query ($segment: ${segmentType}) { ${all.name}(${args}) { nodes { ${customerFields.join(' ')} } } }`,
          'segment',
        ),
        mapValue: identity,
        signature: (body) =>
          list(body, ['data', all.name, 'nodes'])
            .map((n) => at(n, ['customerId']))
            .join(','),
      },
    };
    result.graphql_top = {
      ok: true,
      request: {
        template: graphqlTemplate(
          {},
          `query ($segment: ${segmentType}) { ${all.name}(${args}) { edges { node { customerId lifetimeValue ordersCount } } } }`,
          'segment',
        ),
        mapValue: identity,
        signature: (body) =>
          list(body, ['data', all.name, 'edges'])
            .map((e) => `${String(at(e, ['node', 'customerId']))}:${String(at(e, ['node', 'ordersCount']))}`)
            .join(','),
      },
    };
  }
  if (ordersField && orderType && linesField && tsDesc && orderIdDesc && lineAsc) {
    const orderFields = scalarFields(schema, orderType).filter((f) => f !== 'id');
    const lineFields = LINE_FIELDS.map(camel);
    const query =
      `query ($id: ${idType}) { ${byId.name}(customerId: $id) { ${ordersField.name}(orderBy: [${tsDesc}, ${orderIdDesc}], first: ${LAST_ORDERS}) ` +
      `{ nodes { ${orderFields.join(' ')} ${linesField.name}(orderBy: [${lineAsc}]) { nodes { ${lineFields.join(' ')} } } } } } }`;
    result.orders_lines = {
      ok: true,
      request: {
        template: graphqlTemplate({}, query, 'id'),
        mapValue: identity,
        signature: (body) =>
          list(body, ['data', byId.name, ordersField.name, 'nodes'])
            .map((o) => `${String(at(o, ['orderId']))}:${list(o, [linesField.name, 'nodes']).length}`)
            .join(','),
      },
    };
  }
  return result;
}

/**
 * c360's POST /graphql, expected per SPEC §8 as
 *   customers(filter: { segment: [...] }, sort: <LIFETIME_VALUE_DESC>, first: 50)
 *     { edges { node { customerId lifetimeValue ordersCount } } }
 * The exact argument, enum and field names are read from the schema; anything missing makes the
 * row "n/a" with the reason.
 */
export async function c360GraphqlRequest(
  base: string,
  headers: Record<string, string>,
): Promise<Availability> {
  let outcome;
  try {
    outcome = await introspect(`${base}/graphql`, headers);
  } catch (error) {
    return { ok: false, reason: `n/a (/graphql: ${error instanceof Error ? error.message : String(error)})` };
  }
  if (!outcome.ok) {
    return outcome.status === 404
      ? { ok: false, reason: 'n/a (route missing)' }
      : { ok: false, reason: `n/a (/graphql: ${outcome.reason.slice(0, 80)})` };
  }
  const schema = outcome.schema;
  const customers = fieldsOf(schema, schema.queryType).find((f) => f.name === 'customers');
  if (!customers) return { ok: false, reason: 'n/a (no `customers` query)' };
  const filterArg = customers.args.find((a) => a.name === 'filter');
  const sortArg = customers.args.find((a) => a.name === 'sort');
  const firstArg = customers.args.find((a) => a.name === 'first');
  const segmentInput = typeOf(schema, filterArg ? namedType(filterArg.type).name : null)?.inputFields?.find(
    (f) => f.name === 'segment',
  );
  if (!segmentInput || !firstArg) return { ok: false, reason: 'n/a (no filter.segment / first arguments)' };
  const segmentType = typeOf(schema, namedType(segmentInput.type).name);
  const sortType = sortArg ? typeOf(schema, namedType(sortArg.type).name) : undefined;
  const sortValue = sortType?.enumValues
    ?.map((v) => v.name)
    .find((v) => /LIFETIME_VALUE/i.test(v) && /DESC/i.test(v));
  if (!sortValue) return { ok: false, reason: 'n/a (no lifetime-value-descending sort)' };
  const sortLiteral = sortArg && isList(sortArg.type) ? `[${sortValue}]` : sortValue;
  const nodeType = connectionNodeType(schema, customers);
  const nodeFields = fieldsOf(schema, nodeType).map((f) => f.name);
  const missing = ['customerId', 'lifetimeValue', 'ordersCount'].filter((f) => !nodeFields.includes(f));
  if (missing.length > 0) return { ok: false, reason: `n/a (Customer lacks ${missing.join(', ')})` };
  const hasEdges = fieldsOf(schema, namedType(customers.type).name).some((f) => f.name === 'edges');
  if (!hasEdges) return { ok: false, reason: 'n/a (no edges on the connection)' };

  let mapValue = identity;
  if (segmentType?.kind === 'ENUM') {
    const names = segmentType.enumValues?.map((v) => v.name) ?? [];
    mapValue = (segment) => names.find((n) => n.toLowerCase() === segment.toLowerCase()) ?? segment;
  }
  const query =
    `query ($segment: ${typeSyntax(segmentInput.type)}) ` +
    `{ customers(filter: { segment: $segment }, sort: ${sortLiteral}, first: ${TOP_N}) ` +
    `{ edges { node { customerId lifetimeValue ordersCount } } } }`;
  return {
    ok: true,
    request: {
      template: graphqlTemplate(headers, query, 'segment', isList(segmentInput.type)),
      mapValue,
      signature: (body) =>
        list(body, ['data', 'customers', 'edges'])
          .map((e) => `${String(at(e, ['node', 'customerId']))}:${String(at(e, ['node', 'ordersCount']))}`)
          .join(','),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Probing

export interface ProbeResult {
  status: number;
  signature: string | null;
  /** Why the request cannot be measured (null when it answered as expected). */
  problem: string | null;
}

/** Sends one request with `base` substituted, checks the answer and returns its signature. */
export async function probe(server: string, request: ServerRequest, baseValue: string): Promise<ProbeResult> {
  const value = request.mapValue(baseValue);
  const { template } = request;
  const response = await httpJson(`${server}${template.path.replace('{v}', encodeURIComponent(value))}`, {
    method: template.method,
    headers: template.headers,
    body: template.body?.replace('{v}', value),
  });
  const errors = (response.body as { errors?: Array<{ message?: string }> } | null)?.errors;
  if (response.status === 404 && template.method === 'GET') {
    return { status: 404, signature: null, problem: 'n/a (route missing)' };
  }
  if (response.status !== 200 || (Array.isArray(errors) && errors.length > 0)) {
    const detail = errors?.[0]?.message ?? response.text.slice(0, 120);
    return {
      status: response.status,
      signature: null,
      problem: `n/a (HTTP ${response.status}${detail ? `: ${detail.replace(/\s+/g, ' ').slice(0, 80)}` : ''})`,
    };
  }
  try {
    return { status: 200, signature: request.signature(response.body), problem: null };
  } catch (error) {
    return {
      status: 200,
      signature: null,
      problem: `n/a (unexpected answer: ${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
