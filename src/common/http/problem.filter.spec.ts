import { ArgumentsHost, BadRequestException, NotFoundException } from '@nestjs/common';
import pino from 'pino';
import { Writable } from 'node:stream';
import { C360Error, ErrorCode, invalidParameter } from '../errors';
import { rootLogger, setRootLogger } from '../logger';
import { ProblemFilter } from './problem.filter';

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Runs the filter on `error` and returns what it sent and what it logged. */
function run(error: unknown): { sent: Sent; logs: string[] } {
  const sent: Sent = { status: 0, headers: {}, body: {} };
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    send(payload: string) {
      sent.body = JSON.parse(payload) as Record<string, unknown>;
      return reply;
    },
  };
  const request = { id: 'req-1', routeOptions: { url: '/v1/customers' } };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  const logs: string[] = [];
  const previous = rootLogger();
  setRootLogger(
    pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(chunk.toString());
          done();
        },
      }),
    ),
  );
  try {
    new ProblemFilter().catch(error, host);
  } finally {
    setRootLogger(previous);
  }
  return { sent, logs };
}

describe('ProblemFilter', () => {
  it('answers a domain error with its problem, extensions and request id', () => {
    const { sent, logs } = run(invalidParameter('limit', 'limit must not be greater than 200.'));
    expect(sent.status).toBe(400);
    expect(sent.headers['content-type']).toBe('application/problem+json');
    expect(sent.body).toMatchObject({
      type: 'https://c360.dev/problems/invalid_parameter',
      status: 400,
      code: 'invalid_parameter',
      parameter: 'limit',
      request_id: 'req-1',
      instance: 'urn:c360:request:req-1',
    });
    expect(logs).toEqual([]);
  });

  it('adds WWW-Authenticate to 401s', () => {
    const { sent } = run(new C360Error(ErrorCode.Unauthenticated, 'A bearer token is required.'));
    expect(sent.status).toBe(401);
    expect(sent.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('answers framework errors with a fixed detail that does not echo the request', () => {
    const notFound = run(new NotFoundException('Cannot GET /v1/x?email=alice@example.com')).sent;
    expect(notFound.status).toBe(404);
    expect(JSON.stringify(notFound.body)).not.toContain('alice');
    const badJson = run(new BadRequestException('Unexpected token in JSON: "alice@example.com"')).sent;
    expect(badJson.body).toMatchObject({ status: 400, code: 'invalid_body' });
    expect(JSON.stringify(badJson.body)).not.toContain('alice');
  });

  it('answers unknown errors with a generic 500 and logs a scrubbed summary with the request id', () => {
    const error = new Error(
      'Conversion Error: Could not convert string "alice@example.com" to INT32\nLINE 1: select * from customer_360',
    );
    const { sent, logs } = run(error);
    expect(sent.status).toBe(500);
    expect(sent.body).toMatchObject({ code: 'internal', detail: 'The request could not be completed.' });
    expect(JSON.stringify(sent.body)).not.toMatch(/alice|select|stack/i);
    expect(logs).toHaveLength(1);
    const line = JSON.parse(logs[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ request_id: 'req-1', route: '/v1/customers', msg: 'unhandled error' });
    expect(logs[0]).not.toMatch(/alice|select|customer_360|at Object/);
  });

  it('returns a GraphQL error with the same code for a resolver, never a stack', () => {
    const host = {
      getType: () => 'graphql',
      getArgByIndex: (index: number) => (index === 2 ? { req: { id: 'req-g' } } : undefined),
    } as unknown as ArgumentsHost;
    const filter = new ProblemFilter();
    const known = filter.catch(invalidParameter('first', 'first must not be greater than 200.'), host);
    expect(known?.message).toBe('first must not be greater than 200.');
    expect(known?.extensions).toEqual({ code: 'INVALID_PARAMETER', status: 400, parameter: 'first' });
    const previous = rootLogger();
    setRootLogger(pino({ level: 'silent' }));
    try {
      const unknown = filter.catch(new Error('select * from customer_360 failed'), host);
      expect(unknown?.message).toBe('The request could not be completed.');
      expect(unknown?.extensions).toEqual({ code: 'INTERNAL', status: 500 });
    } finally {
      setRootLogger(previous);
    }
  });
});
