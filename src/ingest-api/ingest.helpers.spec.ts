import { C360Error } from '../common/errors';
import { linesOf } from './ingest.service';
import { parseCsvRecord } from './quarantine.service';

describe('ingest request bodies', () => {
  it('turns a JSON array, an object or NDJSON text into lines', () => {
    expect(linesOf([{ a: 1 }, { b: 'x' }])).toEqual(['{"a":1}', '{"b":"x"}']);
    expect(linesOf({ a: 1 })).toEqual(['{"a":1}']);
    // inner empty lines are kept (they are errors); trailing ones are the end of the body
    expect(linesOf('{"a":1}\r\n\n{"b":2}\n\n')).toEqual(['{"a":1}', '', '{"b":2}']);
  });

  it('refuses a body without lines', () => {
    expect(() => linesOf([])).toThrow(C360Error);
    expect(() => linesOf('\n')).toThrow(C360Error);
    expect(() => linesOf(42)).toThrow(C360Error);
  });
});

describe('quarantined CSV records', () => {
  it('splits a record with quotes and doubled quotes, and refuses broken quoting', () => {
    expect(parseCsvRecord('a,"b, c","say ""hi""",', ',', '"')).toEqual(['a', 'b, c', 'say "hi"', '']);
    expect(parseCsvRecord("x;'y;z'", ';', "'")).toEqual(['x', 'y;z']);
    expect(parseCsvRecord('a,"open', ',', '"')).toBeNull();
  });
});
