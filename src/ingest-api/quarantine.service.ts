import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { MaskedPiiClass, MASKED_PII_CLASSES } from '../auth/policy';
import { Principal } from '../auth/principal';
import { DataDirs } from '../common/data-dirs';
import { CursorCodec } from '../common/pagination/cursor';
import { C360Config } from '../config/config';
import { ExtractableSource, loadSourceCatalog } from '../ingest/source-definition';
import { MaskingService } from '../masking/masking.service';
import { maskValue } from '../masking/strategies';
import { ListQuarantineQueryDto } from './dto/list-quarantine.query.dto';
import { QuarantineList, QuarantineRow } from './models/quarantine.model';
import { QuarantineRecord, QuarantineRepository } from './quarantine.repository';

const SORT = 'quarantine';

/**
 * `GET /v1/admin/quarantine`: quarantined rows of every source and run. Each raw row is parsed by
 * its source's contract and its PII fields masked for the caller's role (the same policy and
 * strategies as every other route); a row that cannot be parsed is withheld unless the caller
 * sees every PII class in clear.
 */
@Injectable()
export class QuarantineService implements OnModuleDestroy {
  private readonly repository: QuarantineRepository;
  private readonly cursors: CursorCodec;
  private readonly sources: Map<string, ExtractableSource>;

  constructor(
    dirs: DataDirs,
    private readonly config: C360Config,
    private readonly masking: MaskingService,
  ) {
    this.repository = new QuarantineRepository(dirs.quarantine);
    this.cursors = new CursorCodec(`${config.maskingKey}:quarantine`);
    const catalog = loadSourceCatalog(config.configDir);
    this.sources = new Map([...catalog.sources, ...catalog.raw].map((s) => [s.name, s]));
  }

  onModuleDestroy(): void {
    this.repository.close();
  }

  async list(query: ListQuarantineQueryDto, principal: Principal): Promise<QuarantineList> {
    let after: { runId: string; source: string; file: string; line: number } | undefined;
    if (query.cursor) {
      const { keys } = this.cursors.decode(query.cursor, SORT);
      const [runId, source, file, line] = keys;
      if (
        typeof runId !== 'string' ||
        typeof source !== 'string' ||
        typeof file !== 'string' ||
        typeof line !== 'number'
      ) {
        throw CursorCodec.invalid();
      }
      after = { runId, source, file, line };
    }
    const limit = query.limit ?? 50;
    const rows = await this.repository.list({
      source: query.source,
      runId: query.run_id,
      reason: query.reason,
      after,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const strategies = this.masking.strategiesFor(principal, 'list');
    return {
      data: page.map((row) => this.present(row, strategies)),
      page: {
        limit,
        next_cursor:
          rows.length > limit && last
            ? this.cursors.encode(SORT, [last.run_id, last.source, last.file ?? '', last.line ?? 0])
            : null,
      },
    };
  }

  private present(row: QuarantineRecord, strategies: Record<MaskedPiiClass, string>): QuarantineRow {
    const base = {
      source: row.source,
      run_id: row.run_id,
      reason: row.reason,
      line: row.line,
      file: row.file,
      quarantined_at: row.quarantined_at,
    };
    const source = this.sources.get(row.source);
    const classes = new Map<string, MaskedPiiClass>();
    for (const column of source?.columns ?? []) {
      if (column.pii !== 'none') classes.set(column.name, column.pii);
    }
    // Unknown source: its PII fields are unknown, so every class counts.
    const relevant = source ? [...new Set(classes.values())] : MASKED_PII_CLASSES;
    if (row.raw === null || relevant.every((c) => strategies[c] === 'clear')) {
      return { ...base, raw: row.raw, masked: false };
    }
    const mask = (record: Record<string, unknown>): Record<string, unknown> => {
      const masked: Record<string, unknown> = { ...record };
      for (const [field, piiClass] of classes) {
        if (field in masked) {
          const strategy = strategies[piiClass] as Parameters<typeof maskValue>[2];
          masked[field] = maskValue(masked[field], piiClass, strategy, this.config.maskingKey);
        }
      }
      return masked;
    };
    const raw = source ? maskRaw(row, source, mask) : null;
    return { ...base, raw, masked: true };
  }
}

type Mask = (record: Record<string, unknown>) => Record<string, unknown>;

/** The raw row with its PII fields masked, or null when it cannot be parsed. */
function maskRaw(row: QuarantineRecord, source: ExtractableSource, mask: Mask): string | null {
  const raw = row.raw ?? '';
  if (row.fields) {
    const values = parseCsvRecord(raw, source.csv.delimiter, source.csv.quote || '"');
    if (!values || values.length !== row.fields.length) return null;
    const record = Object.fromEntries(row.fields.map((name, i) => [name, values[i]]));
    const masked = mask(record);
    return row.fields
      .map((name) => csvField(masked[name], source.csv.delimiter, source.csv.quote || '"'))
      .join(source.csv.delimiter);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (source.kind === 'debezium') {
    const image = (v: unknown): unknown =>
      typeof v === 'object' && v !== null && !Array.isArray(v) ? mask(v as Record<string, unknown>) : v;
    return JSON.stringify({ ...record, before: image(record.before), after: image(record.after) });
  }
  return JSON.stringify(mask(record));
}

function csvField(value: unknown, delimiter: string, quote: string): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  if (text.includes(delimiter) || text.includes(quote) || /[\r\n]/.test(text)) {
    return `${quote}${text.split(quote).join(quote + quote)}${quote}`;
  }
  return text;
}

/** Splits one CSV record; null when its quoting is broken. */
export function parseCsvRecord(line: string, delimiter: string, quote: string): string[] | null {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === quote && line[i + 1] === quote) {
        current += quote;
        i++;
      } else if (char === quote) quoted = false;
      else current += char;
    } else if (char === quote && current === '') quoted = true;
    else if (char === delimiter) {
      fields.push(current);
      current = '';
    } else current += char;
  }
  if (quoted) return null;
  fields.push(current);
  return fields;
}
