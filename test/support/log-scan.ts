import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logsDir, piiDir } from './log-capture';

export interface LeakFinding {
  file: string;
  line: number;
  kind: 'email' | 'phone' | 'name' | 'birth_date' | 'street' | 'secret' | 'bearer_token';
  /** A hint that does not repeat the value (the report must not leak it again). */
  hint: string;
}

export interface ScanResult {
  files: number;
  lines: number;
  piiValues: number;
  secrets: number;
  findings: LeakFinding[];
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
const EMAIL = /[^\s"'<>@\\,;:()[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const DATE = /\b\d{4}-\d{2}-\d{2}\b/g;
const PHONE_RUN = /\+?\d[\d ()./-]{5,}\d/g;
const WORD = /\p{L}[\p{L}'-]*/gu;

const hint = (value: string): string => `${Array.from(value)[0] ?? ''}*** (${value.length} chars)`;
const digits = (value: string): string => value.replace(/\D/g, '');

/** Secrets the tests configure: every literal AUTH_JWT_SECRET / C360_MASKING_KEY / *SECRET
 *  constant in the test sources, plus the masking key c360 derives from each JWT secret. */
export function testSecrets(testRoot: string): string[] {
  const secrets = new Set<string>();
  const pattern =
    /(?:AUTH_JWT_SECRET|C360_MASKING_KEY|[A-Z_]*SECRET[A-Z_]*)['"]?\s*[:=]\s*['"`]([^'"`\s]{16,})['"`]/g;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(pattern)) secrets.add(match[1]);
      }
    }
  };
  walk(testRoot);
  for (const secret of [...secrets]) {
    secrets.add(createHmac('sha256', secret).update('c360-masking-key').digest('hex'));
  }
  return [...secrets];
}

interface PiiIndex {
  emails: Set<string>;
  phones: Set<string>;
  names: Set<string>;
  dates: Set<string>;
  /** First word of a street → the streets starting with it. */
  streets: Map<string, string[]>;
  size: number;
}

function loadPii(root: string): PiiIndex {
  const index: PiiIndex = {
    emails: new Set(),
    phones: new Set(),
    names: new Set(),
    dates: new Set(),
    streets: new Map(),
    size: 0,
  };
  const dir = piiDir(root);
  if (!existsSync(dir)) return index;
  for (const name of readdirSync(dir)) {
    for (const raw of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const value = raw.trim();
      if (value === '') continue;
      index.size++;
      if (value.includes('@')) index.emails.add(value.toLowerCase());
      else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) index.dates.add(value);
      else if (/^\+?[\d ()./-]+$/.test(value) && digits(value).length >= 7) index.phones.add(digits(value));
      else if (/\d/.test(value) && /\p{L}/u.test(value)) {
        // A street: letters and a house number.
        const first = value.match(WORD)?.[0];
        if (first) index.streets.set(first, [...(index.streets.get(first) ?? []), value]);
      } else if (/^\p{L}[\p{L}'-]{2,}$/u.test(value)) index.names.add(value);
    }
  }
  return index;
}

/** Whether a line of a captured file is a c360 log line (pino JSON), not a command's output
 *  meant for its user (`c360 token` prints a token, the demo its secret: that is their job). */
function isLogLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return typeof parsed === 'object' && parsed !== null && 'level' in parsed;
  } catch {
    return false;
  }
}

/** Scans every captured log file for PII of the test data, test secrets and bearer tokens. */
export function scanLogs(root: string, secrets: readonly string[]): ScanResult {
  const pii = loadPii(root);
  const result: ScanResult = {
    files: 0,
    lines: 0,
    piiValues: pii.size,
    secrets: secrets.length,
    findings: [],
  };
  const dir = logsDir(root);
  if (!existsSync(dir)) return result;
  for (const name of readdirSync(dir).sort()) {
    result.files++;
    const lines = readFileSync(join(dir, name), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!isLogLine(line)) return;
      result.lines++;
      const found = (kind: LeakFinding['kind'], value: string): void => {
        result.findings.push({ file: name, line: i + 1, kind, hint: hint(value) });
      };
      for (const secret of secrets) if (line.includes(secret)) found('secret', secret);
      const token = JWT.exec(line);
      if (token) found('bearer_token', token[0]);
      for (const match of line.matchAll(EMAIL)) {
        if (pii.emails.has(match[0].toLowerCase())) found('email', match[0]);
      }
      for (const match of line.matchAll(DATE)) if (pii.dates.has(match[0])) found('birth_date', match[0]);
      for (const match of line.matchAll(PHONE_RUN)) {
        if (pii.phones.has(digits(match[0]))) found('phone', match[0]);
      }
      for (const match of line.matchAll(WORD)) {
        if (pii.names.has(match[0])) found('name', match[0]);
        for (const street of pii.streets.get(match[0]) ?? [])
          if (line.includes(street)) found('street', street);
      }
    });
  }
  return result;
}

export function formatFindings(findings: readonly LeakFinding[], limit = 40): string {
  return findings
    .slice(0, limit)
    .map((f) => `  ${f.file}:${f.line} ${f.kind} ${f.hint}`)
    .join('\n');
}
