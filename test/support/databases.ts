import mysql from 'mysql2/promise';
import { Client } from 'pg';

/** The PostgreSQL of this machine (trust auth): the first user that connects. */
export async function postgresUrl(): Promise<string> {
  const base = process.env.C360_TEST_PG_URL;
  const candidates = base ? [base] : ['postgres', 'root'].map((u) => `postgres://${u}@127.0.0.1:5432/test`);
  let last: unknown = null;
  for (const url of candidates) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.end();
      return url;
    } catch (error) {
      last = error;
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`no PostgreSQL on 127.0.0.1:5432 (${String(last)})`);
}

export const MYSQL_URL = process.env.C360_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Runs statements on PostgreSQL, one connection per call. */
export async function pg(
  url: string,
  ...statements: Array<string | [string, unknown[]]>
): Promise<unknown[][][]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const results: unknown[][][] = [];
    for (const statement of statements) {
      const [text, values] = typeof statement === 'string' ? [statement, []] : statement;
      results.push((await client.query({ text, values, rowMode: 'array' })).rows as unknown[][]);
    }
    return results;
  } finally {
    await client.end();
  }
}

/** Runs statements on MariaDB/MySQL, one connection per call. */
export async function my(...statements: Array<string | [string, unknown[]]>): Promise<unknown[][][]> {
  const connection = await mysql.createConnection({
    uri: MYSQL_URL,
    multipleStatements: false,
    rowsAsArray: true,
  });
  try {
    const results: unknown[][][] = [];
    for (const statement of statements) {
      const [text, values] = typeof statement === 'string' ? [statement, []] : statement;
      const [rows] = await connection.query(text, values);
      results.push(Array.isArray(rows) ? (rows as unknown[][]) : []);
    }
    return results;
  } finally {
    await connection.end();
  }
}

/** A unique, valid identifier per test file run, so parallel runs never share tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A loopback port nothing listens on. */
export const CLOSED_PORT = 1;
