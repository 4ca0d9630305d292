import { signToken } from '../auth/token';
import { C360Config } from '../config/config';
import { CliError, parseDuration } from './cli-error';

export async function tokenCommand(
  config: C360Config,
  options: { role: string; sub: string; countries?: string; ttl: string },
): Promise<void> {
  const roles = options.role
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const countries = options.countries
    ?.split(',')
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  for (const country of countries ?? []) {
    if (!/^[A-Z]{2}$/.test(country))
      throw new CliError(`--countries must be ISO-2 codes such as DE,FR, got "${country}"`);
  }
  const ttlSeconds = parseDuration(options.ttl);
  try {
    console.log(await signToken(config, { roles, sub: options.sub, countries, ttlSeconds }));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
