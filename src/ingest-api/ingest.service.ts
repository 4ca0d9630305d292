import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DataDirs } from '../common/data-dirs';
import { C360Error, ErrorCode, notFound } from '../common/errors';
import { rootLogger } from '../common/logger';
import { toProblem } from '../common/problem';
import { C360Config } from '../config/config';
import { LineError, LineValidator } from '../ingest/line-validator';
import { loadSourceDefinitions, SourceDefinition } from '../ingest/source-definition';
import { cdcSpoolDirectory, spoolDirectory, writeSpoolFile } from '../ingest/spool';
import { IngestAccepted } from './models/ingest.model';

/** At most this many bad lines are listed in a 400. */
const MAX_LISTED_ERRORS = 1000;

/** problem+json of a rejected request, with every bad line. */
export interface IngestRejected {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  request_id: string;
  errors: LineError[];
}

export type IngestOutcome = { status: 202; body: IngestAccepted } | { status: 400; body: IngestRejected };

/**
 * `POST /v1/ingest/events` and `/v1/ingest/cdc/{source}`: a request is judged line by line with
 * the source's contract (the build's own SQL); with any bad line nothing is accepted and every
 * bad line is listed; otherwise the lines are written to the source's spool and made durable
 * before the 202. The next build loads the spool like landing files; a re-sent line collapses
 * with the first in silver (events by event_id, envelopes at their source position).
 */
@Injectable()
export class IngestService implements OnModuleDestroy {
  private readonly validator = new LineValidator();
  private readonly sources: SourceDefinition[];

  constructor(
    config: C360Config,
    private readonly dirs: DataDirs,
  ) {
    this.sources = loadSourceDefinitions(config.configDir);
  }

  onModuleDestroy(): void {
    this.validator.close();
  }

  async ingestEvents(body: unknown, requestId: string, sourceName?: string): Promise<IngestOutcome> {
    const candidates = this.sources.filter((s) => s.kind === 'events');
    let source: SourceDefinition | undefined;
    if (sourceName !== undefined) {
      source = candidates.find((s) => s.name === sourceName);
      if (!source) throw notFound('No events source has this name.');
    } else if (candidates.length === 1) {
      source = candidates[0];
    } else if (candidates.length === 0) {
      throw notFound('No source of kind events is configured.');
    } else {
      throw new C360Error(ErrorCode.InvalidParameter, 'Several events sources are configured: name one.', {
        parameter: 'source',
      });
    }
    return this.ingest(source, spoolDirectory(this.dirs.landing, source.path), body, requestId);
  }

  async ingestCdc(sourceName: string, body: unknown, requestId: string): Promise<IngestOutcome> {
    const source = this.sources.find((s) => s.name === sourceName && s.kind === 'debezium');
    if (!source) throw notFound('No Debezium source has this name.');
    return this.ingest(source, cdcSpoolDirectory(this.dirs.landing, source.name), body, requestId);
  }

  private async ingest(
    source: SourceDefinition,
    directory: string,
    body: unknown,
    requestId: string,
  ): Promise<IngestOutcome> {
    const lines = linesOf(body);
    const errors = await this.validator.validate(source, lines);
    if (errors.length > 0) {
      const problem = toProblem(
        new C360Error(
          ErrorCode.IngestRejected,
          `${errors.length} of ${lines.length} line(s) break the contract of ${source.name}; nothing was accepted.`,
        ),
        `urn:c360:request:${requestId}`,
      );
      const body: IngestRejected = {
        type: problem.type,
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        code: problem.code,
        instance: problem.instance,
        request_id: requestId,
        errors: errors.slice(0, MAX_LISTED_ERRORS),
      };
      return { status: 400, body };
    }
    const receivedAt = new Date();
    const batch = writeSpoolFile(directory, lines, receivedAt);
    rootLogger().info({ source: source.name, lines: lines.length, batch }, 'ingest accepted');
    return {
      status: 202,
      body: { source: source.name, accepted: lines.length, batch, received_at: receivedAt.toISOString() },
    };
  }
}

/** The lines of a body: a JSON array's elements (an object is one line), or NDJSON text. */
export function linesOf(body: unknown): string[] {
  let lines: string[];
  if (typeof body === 'string') {
    lines = body.split(/\r?\n/);
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  } else if (Array.isArray(body)) {
    lines = body.map((item) => JSON.stringify(item));
  } else if (typeof body === 'object' && body !== null) {
    lines = [JSON.stringify(body)];
  } else {
    lines = [];
  }
  if (lines.length === 0) {
    throw new C360Error(
      ErrorCode.InvalidBody,
      'The body holds no lines: send a JSON array (application/json) or NDJSON (application/x-ndjson).',
    );
  }
  return lines;
}
