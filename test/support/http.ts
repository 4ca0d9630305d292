import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { signToken } from '../../src/auth/token';
import { C360Config } from '../../src/config/config';

export interface Served {
  app: NestFastifyApplication;
  base: string;
  tokens: Record<string, string>;
  get(path: string, role?: string | null): Promise<Response>;
  close(): Promise<void>;
}

export const ROLES = ['admin', 'support', 'analyst', 'data_scientist', 'ingest'] as const;

/** The real app on a real loopback port, with a real signed token per role. */
export async function serve(config: C360Config): Promise<Served> {
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  const tokens: Record<string, string> = {};
  for (const role of ROLES) tokens[role] = await signToken(config, { roles: [role], sub: `test-${role}` });
  return {
    app,
    base,
    tokens,
    get: (path, role = 'admin') =>
      fetch(`${base}${path}`, { headers: role ? { authorization: `Bearer ${tokens[role]}` } : {} }),
    close: () => app.close(),
  };
}
