/** A command-line problem: printed as one line, exit code 2 (usage) or 1 (failure). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function parseNumberOption(
  name: string,
  raw: string,
  check: (n: number) => boolean,
  expected: string,
): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new CliError(`--${name} must be ${expected}, got "${raw}"`);
  }
  return value;
}

/** `30m`, `1h`, `7d`, `3600` (seconds). */
export function parseDuration(raw: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!match) throw new CliError(`--ttl must be a duration such as 30m, 1h or 7d, got "${raw}"`);
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2]] ?? 1;
  const seconds = Number(match[1]) * factor;
  if (seconds <= 0) throw new CliError('--ttl must be positive');
  return seconds;
}
