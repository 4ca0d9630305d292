import { ClassStrategies, MASKED_PII_CLASSES, MaskedPiiClass, MaskingStrategy } from '../auth/policy';
import { MaskingService } from '../masking/masking.service';
import { PiiClassification } from '../masking/pii-classification';
import { markSqlMasked } from '../masking/sql-masked';
import { ReadCaller, readCaller } from '../serving/read-caller';
import { AthenaParams } from './athena-query';

/** Who a request reads for (see ReadCaller): set around every handler by AthenaCallerInterceptor
 *  and around the DataLoader batches of nested GraphQL fields, read by the Athena repositories. */
export type AthenaCaller = ReadCaller;
export const athenaCaller = readCaller;

/** Outside a request (or where the context is lost): PII redacted, never more. */
const REDACT_ALL = Object.fromEntries(MASKED_PII_CLASSES.map((c) => [c, 'redact'])) as ClassStrategies;

/** `value` trimmed, as text (dates are 'YYYY-MM-DD' as in the API). */
const trimmed = (column: string): string => `trim(cast(${column} as varchar))`;

/** The canonical form src/masking/strategies.ts normalizeForHash hashes. */
function normalized(column: string, piiClass: MaskedPiiClass): string {
  const t = trimmed(column);
  switch (piiClass) {
    case 'email':
      return `lower(${t})`;
    case 'phone':
      return `regexp_replace(${t}, '[^0-9]', '')`;
    case 'name':
    case 'address':
      return `regexp_replace(lower(${t}), '\\s+', ' ')`;
    case 'birth_date':
      return t;
  }
}

/** SPEC §9 `partial`, byte for byte as src/masking/strategies.ts partialValue writes it. */
function partial(column: string, piiClass: MaskedPiiClass): string {
  const t = trimmed(column);
  switch (piiClass) {
    case 'email': {
      // position of the last '@' (0 when there is none)
      const at = `(case when strpos(${t}, '@') = 0 then 0 else length(${t}) - strpos(reverse(${t}), '@') + 1 end)`;
      return `(case when ${t} = '' then '' when ${at} < 2 then '***' else concat(substr(${t}, 1, 1), '***@', substr(${t}, ${at} + 1)) end)`;
    }
    case 'phone': {
      const digits = `regexp_replace(${t}, '[^0-9]', '')`;
      return `(case when ${t} = '' then '' when length(${digits}) > 4 then concat('***', substr(${digits}, length(${digits}) - 3)) else '***' end)`;
    }
    case 'name':
      return `(case when ${t} = '' then '' else concat(substr(${t}, 1, 1), '***') end)`;
    case 'address':
      return `(case when ${t} = '' then '' end)`;
    case 'birth_date':
      return `(case when regexp_like(${t}, '^[0-9]{4}') then substr(${t}, 1, 4) when ${t} = '' then '' end)`;
  }
}

/** One PII column masked with one strategy, as Trino SQL; the hash key is a parameter. */
export function maskedExpression(
  column: string,
  piiClass: MaskedPiiClass,
  strategy: MaskingStrategy,
  params: AthenaParams,
  hashKey: string,
): string {
  switch (strategy) {
    case 'clear':
      return column;
    case 'redact':
      return 'cast(null as varchar)';
    case 'hash':
      return `(case when ${column} is null then null else lower(to_hex(hmac_sha256(to_utf8(${normalized(column, piiClass)}), to_utf8(${params.text(hashKey)})))) end)`;
    case 'partial':
      return `(case when ${column} is null then null else ${partial(column, piiClass)} end)`;
  }
}

/**
 * The masking of the current caller, as SQL select items: Athena writes already-masked values to
 * its result files in S3, and rows are marked so MaskingService does not mask them again.
 */
export class AthenaMasking {
  constructor(
    private readonly masking: MaskingService,
    private readonly classification: PiiClassification,
    private readonly hashKey: string,
  ) {}

  /** Strategies for the caller of the running request (everything redacted outside one). */
  strategies(): ClassStrategies {
    const caller = athenaCaller.getStore();
    return caller ? this.masking.strategiesFor(caller.principal, caller.kind) : REDACT_ALL;
  }

  /** `columns` as select items (`prefix.column` read, `column` as the output name), PII masked. */
  selectList(
    columns: readonly string[],
    strategies: ClassStrategies,
    params: AthenaParams,
    prefix = '',
    rename: Readonly<Record<string, string>> = {},
  ): string {
    return columns
      .map((column) => {
        const source = rename[column] ?? `${prefix}${column}`;
        const piiClass = this.classification.classOf(column);
        if (!piiClass) return source === column ? column : `${source} as ${column}`;
        const strategy = strategies[piiClass];
        if (strategy === 'clear' && source === column) return column;
        return `${maskedExpression(source, piiClass, strategy, params, this.hashKey)} as ${column}`;
      })
      .join(', ');
  }

  mark<T extends object>(rows: T[], strategies: ClassStrategies): T[] {
    for (const row of rows) markSqlMasked(row, strategies);
    return rows;
  }
}
