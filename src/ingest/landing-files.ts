import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface LandingFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the landing zone (or absolute for sources outside it); the registry key. */
  name: string;
  /** Batch order from the file name: `customers.csv` is 1, `customers-0002.csv` is 2. */
  batch: number;
  size: number;
  mtimeMs: number;
}

/** A file-name glob (`*`, `?`) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

export function batchOf(fileName: string): number {
  const stem = basename(fileName).split('.')[0];
  const match = /-(\d+)$/.exec(stem);
  return match ? Number(match[1]) : 1;
}

/** Files matching a source's glob (relative to the landing zone unless absolute), in batch order. */
export function listLandingFiles(landingDir: string, glob: string): LandingFile[] {
  const absolute = isAbsolute(glob) ? glob : join(landingDir, glob);
  const dir = dirname(absolute);
  if (!existsSync(dir)) return [];
  const pattern = globToRegExp(basename(absolute));
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => {
      const path = join(dir, entry.name);
      const stat = statSync(path);
      return {
        path,
        name: isAbsolute(glob) ? path : relative(landingDir, path),
        batch: batchOf(entry.name),
        size: stat.size,
        mtimeMs: stat.mtimeMs,
      };
    })
    .sort((a, b) => a.batch - b.batch || a.name.localeCompare(b.name));
}

/** The first line of a (possibly gzip-compressed) text file. */
export function readFirstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 16);
    const bytes = readSync(fd, buffer, 0, buffer.length, 0);
    let text: string;
    if (path.endsWith('.gz')) {
      // Decompress only the head: enough bytes for a header line.
      const whole = Buffer.alloc(Math.min(statSync(path).size, 1 << 24));
      readSync(fd, whole, 0, whole.length, 0);
      text = gunzipSync(whole, { finishFlush: 2 }).toString('utf8');
    } else {
      text = buffer.subarray(0, bytes).toString('utf8');
    }
    return text.split(/\r?\n/)[0].replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}

/** Splits a CSV header line (quotes honoured). */
export function parseCsvHeader(line: string, delimiter: string, quote: string): string[] {
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
    } else if (char === quote) quoted = true;
    else if (char === delimiter) {
      fields.push(current.trim());
      current = '';
    } else current += char;
  }
  fields.push(current.trim());
  return fields;
}
