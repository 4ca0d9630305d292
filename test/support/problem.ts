import { TestResponse } from './test-app';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  parameter?: string | null;
  request_id?: string;
  [extension: string]: unknown;
}

/** Asserts an RFC 9457 answer with the given status and code; returns the body. */
export function expectProblem(response: TestResponse, status: number, code: string): Problem {
  expect({ status: response.status, code: (response.body as Problem | null)?.code }).toEqual({
    status,
    code,
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = response.body as Problem;
  expect(problem).toMatchObject({
    status,
    code,
    type: expect.stringContaining(code),
    title: expect.any(String),
  });
  expect(typeof problem.detail).toBe('string');
  expect(JSON.stringify(problem)).not.toMatch(/\bat .*\.(ts|js):\d+|select |from customer_360/i);
  return problem;
}
