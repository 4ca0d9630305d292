import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './support/cli';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('npm run demo', () => {
  it('serves sample data and prints one working token per role', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'c360-demo-'));
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'demo'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        C360_DATA_DIR: dataDir,
        PORT: String(port),
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 110_000);
        child.stdout.on('data', () => {
          if (output.includes('Press Ctrl+C')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
      });
      expect(output).toContain(`http://localhost:${port}/docs`);
      const tokens = Object.fromEntries(
        [...output.matchAll(/^ {2}(\w+)\s+(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/gm)].map((m) => [m[1], m[2]]),
      );
      expect(Object.keys(tokens).sort()).toEqual(['admin', 'analyst', 'data_scientist', 'ingest', 'support']);
      const get = (path: string, role: string): Promise<Response> =>
        fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${tokens[role]}` } });

      const analyst = (await (await get('/v1/customers/C00000042', 'analyst')).json()) as { email: string };
      const admin = (await (await get('/v1/customers/C00000042', 'admin')).json()) as { email: string };
      expect(admin.email).toMatch(/^[^*@]+@[^@]+\.[a-z]+$/);
      expect(analyst.email).toMatch(/^.\*\*\*@[^@]+$/);
      expect(analyst.email.split('@')[1]).toBe(admin.email.split('@')[1]);
      for (const role of Object.keys(tokens)) {
        const response = await get('/v1/customers?limit=5', role);
        expect(response.status).not.toBe(401);
        expect(response.status).toBe(role === 'ingest' ? 403 : 200);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
