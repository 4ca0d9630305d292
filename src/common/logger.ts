import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

/** Access-log lines held before one write (a write per request would cost a syscall each). */
const ACCESS_BUFFER_BYTES = 16 * 1024;
/** Longest an access-log line waits in the buffer. */
const ACCESS_FLUSH_MS = 100;

/**
 * Standard output with access-log lines batched: a line written while `batching` is set waits in
 * a buffer (at most ACCESS_BUFFER_BYTES or ACCESS_FLUSH_MS, and until the process exits), any other
 * line first writes what is buffered, so lines keep their order and everything but access lines is
 * written at once.
 */
class BatchingStdout implements DestinationStream {
  batching = false;
  private buffered = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly out = pino.destination({ dest: 1, sync: true });

  constructor() {
    process.on('exit', () => this.flush());
  }

  write(line: string): void {
    if (this.batching) {
      this.buffered += line;
      if (this.buffered.length >= ACCESS_BUFFER_BYTES) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), ACCESS_FLUSH_MS).unref();
      return;
    }
    if (this.buffered) this.flush();
    this.out.write(line);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.buffered) return;
    const lines = this.buffered;
    this.buffered = '';
    this.out.write(lines);
  }
}

const stdout = new BatchingStdout();

let root: Logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service: 'c360' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  },
  stdout,
);

/** Structured JSON logs. Callers log ids, counts and codes — never PII or secrets. */
export function rootLogger(): Logger {
  return root;
}

export function setRootLogger(logger: Logger): void {
  root = logger;
}

export function setLogLevel(level: string): void {
  root.level = level;
}

/** One access-log line (msg `request`); batched on standard output (see BatchingStdout). */
export function logAccess(fields: Record<string, unknown>): void {
  stdout.batching = true;
  try {
    root.info(fields, 'request');
  } finally {
    stdout.batching = false;
  }
}

/** Nest's logger interface over the same JSON stream. */
export class JsonLogger implements LoggerService {
  log(message: unknown, context?: string): void {
    root.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    root.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    root.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    root.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    root.trace({ context }, String(message));
  }
}
