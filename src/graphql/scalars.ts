import { GraphQLError, GraphQLScalarType, Kind, ValueNode } from 'graphql';
import { parseIsoDate, parseIsoInstant } from '../common/validation/iso-time';

const badInput = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

const literalString = (ast: ValueNode, name: string): string => {
  if (ast.kind !== Kind.STRING) throw badInput(`${name} must be a string.`);
  return ast.value;
};

/** An instant: ISO-8601 out (UTC, `Z`), and in (`YYYY-MM-DD` = 00:00 UTC, or a timestamp with
 *  `Z`, `±hh:mm` or no zone = UTC) as a Date. Impossible dates are refused, not rolled over. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant as an ISO-8601 string in UTC, e.g. 2025-01-31T10:15:30Z',
  serialize(value) {
    if (typeof value === 'string') return value;
    if (value instanceof Date) return value.toISOString();
    throw new GraphQLError('DateTime cannot represent this value.');
  },
  parseValue(value) {
    const instant = typeof value === 'string' ? parseIsoInstant(value) : null;
    if (!instant)
      throw badInput('DateTime must be an ISO-8601 date or timestamp, e.g. 2025-01-31T10:15:30Z.');
    return instant;
  },
  parseLiteral(ast) {
    const instant = parseIsoInstant(literalString(ast, 'DateTime'));
    if (!instant)
      throw badInput('DateTime must be an ISO-8601 date or timestamp, e.g. 2025-01-31T10:15:30Z.');
    return instant;
  },
});

/** A calendar day, `YYYY-MM-DD` (UTC), kept as that text. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar day as YYYY-MM-DD (UTC)',
  serialize(value) {
    if (typeof value === 'string') return value;
    throw new GraphQLError('Date cannot represent this value.');
  },
  parseValue(value) {
    const day = typeof value === 'string' ? parseIsoDate(value) : null;
    if (day === null) throw badInput('Date must be a calendar day as YYYY-MM-DD.');
    return day;
  },
  parseLiteral(ast) {
    const day = parseIsoDate(literalString(ast, 'Date'));
    if (day === null) throw badInput('Date must be a calendar day as YYYY-MM-DD.');
    return day;
  },
});
