import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDirectory } from '../common/fs-atomic';
import { cdcSpoolGlob, EVENTS_SPOOL_GLOB } from './source-definition';

/** The directory (under the landing zone) a spool glob names. */
export function spoolDirectory(landing: string, glob: string): string {
  return dirname(join(landing, glob));
}

export const eventsSpoolDirectory = (landing: string): string => spoolDirectory(landing, EVENTS_SPOOL_GLOB);
export const cdcSpoolDirectory = (landing: string, source: string): string =>
  spoolDirectory(landing, cdcSpoolGlob(source));

let sequence = 0;

/**
 * Writes accepted lines as one new NDJSON file in a spool directory and makes it durable before
 * returning: written to a temporary name, fsync'd, renamed, and the directory fsync'd. A build
 * lists only `*.ndjson`, so it sees a spool file whole or not at all. Names sort by arrival
 * (UTC time, then a per-process sequence), which is the load order of equal watermarks.
 */
export function writeSpoolFile(directory: string, lines: string[], now = new Date()): string {
  mkdirSync(directory, { recursive: true });
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  sequence = (sequence + 1) % 1_000_000;
  const name = `${stamp}-${process.pid}-${String(sequence).padStart(6, '0')}-${randomBytes(3).toString('hex')}x.ndjson`;
  const path = join(directory, name);
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  fsyncDirectory(directory);
  return name;
}
