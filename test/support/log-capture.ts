import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Set by the jest globalSetup: every service the tests start writes its log lines under it,
 *  and the PII of the test data sets is recorded there for the final scan (log-scan.ts). */
export const LOG_DIR_ENV = 'C360_TEST_LOG_DIR';

export const logDir = (): string | null => process.env[LOG_DIR_ENV] || null;
export const logsDir = (root: string): string => join(root, 'logs');
export const piiDir = (root: string): string => join(root, 'pii');

let files = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now()}-${files++}`;

/** A new log file for one service (in-process app or spawned process); null when not capturing. */
export function newLogFile(label: string): string | null {
  const root = logDir();
  if (!root) return null;
  mkdirSync(logsDir(root), { recursive: true });
  return join(logsDir(root), `${unique(label.replace(/[^A-Za-z0-9_-]/g, '_'))}.log`);
}

/** Appends output of a spawned `c360` process (its stdout and stderr). */
export function recordProcessOutput(label: string, output: string): void {
  const file = newLogFile(label);
  if (file && output) appendFileSync(file, output);
}

/** Where a spawned process's output is streamed to, one file per process. */
export function processLogAppender(label: string): (chunk: Buffer) => void {
  const file = newLogFile(label);
  return (chunk) => {
    if (file) appendFileSync(file, chunk);
  };
}

/** PII fields of the generated and fixture customers (SPEC §9 classes the scan looks for). */
export const PII_FIELDS = ['email', 'phone', 'first_name', 'last_name', 'birth_date', 'street'] as const;

/** Records PII values of test data (one per line) for the final scan. */
export function recordPii(values: Iterable<string | null | undefined>): void {
  const root = logDir();
  if (!root) return;
  const lines: string[] = [];
  for (const value of values) {
    if (typeof value === 'string' && value.trim() !== '' && !value.includes('\n')) lines.push(value.trim());
  }
  if (lines.length === 0) return;
  mkdirSync(piiDir(root), { recursive: true });
  appendFileSync(join(piiDir(root), `${unique('pii')}.txt`), `${lines.join('\n')}\n`);
}

/** Splits one CSV line (RFC 4180 quotes). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

function collectJson(value: unknown, into: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectJson(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if ((PII_FIELDS as readonly string[]).includes(key) && typeof item === 'string') into.push(item);
      else collectJson(item, into);
    }
  }
}

/** Records the PII of every customer file in a landing zone (CSV with a header, NDJSON, JSON). */
export function harvestPii(dir: string): void {
  if (!logDir() || !existsSync(dir)) return;
  const values: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const file = join(path, entry.name);
      if (entry.isDirectory()) {
        walk(file);
        continue;
      }
      if (statSync(file).size > 256 * 1024 * 1024) continue;
      if (entry.name.endsWith('.csv')) {
        const [header, ...rows] = readFileSync(file, 'utf8').split('\n');
        const columns = csvFields(header ?? '');
        const wanted = columns
          .map((name, index) => ((PII_FIELDS as readonly string[]).includes(name) ? index : -1))
          .filter((index) => index >= 0);
        if (wanted.length === 0) continue;
        for (const row of rows) {
          const fields = csvFields(row);
          for (const index of wanted) values.push(fields[index]);
        }
      } else if (/\.(nd)?jsonl?$/.test(entry.name)) {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          try {
            collectJson(JSON.parse(line), values);
          } catch {
            // Dirty test lines are not JSON.
          }
        }
      }
    }
  };
  walk(dir);
  recordPii(values);
}
