import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { recordProcessOutput } from './log-capture';

export const CLI = join(__dirname, '..', '..', 'bin', 'c360.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI (`npm test` compiles first) with a clean environment plus `env`. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  recordProcessOutput(`cli-${args[0] ?? 'c360'}`, `${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function runCliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => {
      recordProcessOutput(`cli-${args[0] ?? 'c360'}`, `${stdout}\n${stderr}`);
      resolve({ status, stdout, stderr });
    });
  });
}
