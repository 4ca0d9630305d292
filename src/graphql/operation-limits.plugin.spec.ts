import { getIntrospectionQuery, parse } from 'graphql';
import { operationDepth } from './operation-limits.plugin';

describe('operationDepth', () => {
  it('counts field nesting, through fragments and inline fragments', () => {
    expect(operationDepth(parse('{ a }'))).toBe(1);
    expect(operationDepth(parse('{ a { b { c } } d }'))).toBe(3);
    expect(operationDepth(parse('{ a { ...F } } fragment F on T { b { c } }'))).toBe(3);
    expect(operationDepth(parse('{ a { ... on T { b } } }'))).toBe(2);
  });

  it('measures the named operation and survives a fragment cycle', () => {
    const document = parse('query A { a } query B { a { b { c } } }');
    expect(operationDepth(document, 'A')).toBe(1);
    expect(operationDepth(document, 'B')).toBe(3);
    expect(operationDepth(parse('{ a { ...F } } fragment F on T { b { ...F } }'))).toBe(2);
  });

  it('gives the standard introspection query 15 levels (the default limit is 16)', () => {
    expect(operationDepth(parse(getIntrospectionQuery()))).toBe(15);
  });
});
