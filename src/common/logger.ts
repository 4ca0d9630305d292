import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

let root: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'c360' },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

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
