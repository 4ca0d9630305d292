/**
 * Just enough GraphQL introspection to write the benchmark's queries against whatever schema a
 * server generated (PostGraphile's names, c360's names), instead of guessing them.
 */
import { httpJson } from './proc';

export interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}

export interface InputValue {
  name: string;
  type: TypeRef;
}

export interface Field {
  name: string;
  type: TypeRef;
  args: InputValue[];
}

export interface SchemaType {
  kind: string;
  name: string;
  fields: Field[] | null;
  inputFields: InputValue[] | null;
  enumValues: Array<{ name: string }> | null;
}

export interface Introspection {
  queryType: string;
  types: Map<string, SchemaType>;
}

const TYPE_REF =
  'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const QUERY = `{ __schema { queryType { name } types { kind name
  fields { name type { ${TYPE_REF} } args { name type { ${TYPE_REF} } } }
  inputFields { name type { ${TYPE_REF} } }
  enumValues { name } } } }`;

interface IntrospectionResponse {
  data?: { __schema: { queryType: { name: string }; types: SchemaType[] } };
  errors?: Array<{ message: string }>;
}

export type IntrospectOutcome =
  { ok: true; schema: Introspection } | { ok: false; status: number; reason: string };

export async function introspect(url: string, headers: Record<string, string>): Promise<IntrospectOutcome> {
  const response = await httpJson(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = response.body as IntrospectionResponse | null;
  if (response.status !== 200 || !body?.data) {
    const reason = body?.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`;
    return { ok: false, status: response.status, reason };
  }
  const types = new Map(body.data.__schema.types.map((t) => [t.name, t]));
  return { ok: true, schema: { queryType: body.data.__schema.queryType.name, types } };
}

/** The named type under NON_NULL / LIST wrappers. */
export function namedType(ref: TypeRef): TypeRef {
  let current = ref;
  while (current.ofType && (current.kind === 'NON_NULL' || current.kind === 'LIST')) current = current.ofType;
  return current;
}

export function isList(ref: TypeRef): boolean {
  let current: TypeRef | null = ref;
  while (current) {
    if (current.kind === 'LIST') return true;
    current = current.ofType;
  }
  return false;
}

export function typeOf(schema: Introspection, name: string | null): SchemaType | undefined {
  return name === null ? undefined : schema.types.get(name);
}

export function fieldsOf(schema: Introspection, typeName: string | null): Field[] {
  return typeOf(schema, typeName)?.fields ?? [];
}

/** Scalar and enum fields of an object type (what "every column" means in a selection). */
export function scalarFields(schema: Introspection, typeName: string): string[] {
  return fieldsOf(schema, typeName)
    .filter((f) => {
      const kind = typeOf(schema, namedType(f.type).name)?.kind;
      return (kind === 'SCALAR' || kind === 'ENUM') && f.args.length === 0;
    })
    .map((f) => f.name);
}
