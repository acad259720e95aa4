// Which errors mean "the database cannot answer now" (503 + Retry-After) and which are bugs (500).
// The live case — a stopped Postgres behind a running service — is in faults/database-faults.test.ts.
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../src/store/unavailable.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures, shutdowns, exhaustion and timeouts', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
      new Error('query failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
    ]) {
      expect({ message: error.message, unavailable: isDatabaseUnavailable(error) }).toEqual({ message: error.message, unavailable: true });
    }
  });

  it('leaves bugs and bad data as they are', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint "articles_pkey"', '23505'),
      withCode('syntax error at or near "SELEC"', '42601'),
      withCode('invalid input syntax for type uuid', '22P02'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'a string',
      null,
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });
});
