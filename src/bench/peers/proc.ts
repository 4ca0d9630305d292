/**
 * Child processes of the serving benchmark: servers under test, load generators and psql. Every
 * child is tracked so that it is killed at the end, on failure, and when the bench process exits.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const living = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  living.add(child);
  child.once('exit', () => living.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort (an exception escaped, or process.exit was called): no server outlives the bench.
    process.once('exit', () => {
      for (const c of living) c.kill('SIGKILL');
    });
  }
}

const OUTPUT_LIMIT = 64 * 1024;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion; it is killed (SIGKILL) when it outlives `timeoutMs`. */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.length > OUTPUT_LIMIT) stderr = stderr.slice(-OUTPUT_LIMIT);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}`, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

export interface ManagedProcess {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** The last 64 KiB of stdout and stderr. */
  output(): string;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  port: number;
  /** Resolves true once the server answers. */
  ready(base: string): Promise<boolean>;
  timeoutMs: number;
}

/** Starts a server and waits until `ready` says it answers (or fails with its output). */
export async function startServer(options: StartOptions): Promise<ManagedProcess> {
  const child = spawn(options.command, options.args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  const base = `http://127.0.0.1:${options.port}`;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const managed: ManagedProcess = {
    name: options.name,
    pid: child.pid ?? -1,
    port: options.port,
    base,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop,
  };
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError !== null)
      throw new Error(`${options.name} did not start: ${(spawnError as Error).message}`);
    if (!managed.alive()) throw new Error(`${options.name} exited during start-up:\n${tail(output)}`);
    try {
      if (await options.ready(base)) return managed;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`${options.name} was not ready after ${options.timeoutMs / 1000} s:\n${tail(output)}`);
}

export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Memory {
  /** VmRSS: resident set now. */
  rssBytes: number;
  /** VmHWM: peak resident set since the process started. */
  peakBytes: number;
}

/** Resident memory of a process from /proc/<pid>/status (null where /proc is not available). */
export function readMemory(pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : NaN;
    };
    const rssBytes = field('VmRSS');
    const peakBytes = field('VmHWM');
    return Number.isFinite(rssBytes) ? { rssBytes, peakBytes } : null;
  } catch {
    return null;
  }
}

/** One HTTP exchange with a time limit (probes only; load goes through the load generator). */
export async function httpJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.headers,
    body: init.body,
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, body, text };
}

/** CPU time (user + system, in clock ticks) a process has used, from /proc/<pid>/stat. */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * Waits until a server has worked off what the last load run left queued (requests whose
 * connections wrk closed keep running): its CPU use stays under ~10% for 0.5 s, or `maxMs` passed.
 */
export async function waitIdle(pid: number, maxMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let quiet = 0;
  let last = cpuTicks(pid);
  while (last !== null && Date.now() < deadline && quiet < 2) {
    await sleep(250);
    const now = cpuTicks(pid);
    if (now === null) return;
    // 100 ticks per second: under 3 ticks in 250 ms is ~10% of one core.
    quiet = now - last < 3 ? quiet + 1 : 0;
    last = now;
  }
}
