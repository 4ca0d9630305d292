import { createHmac } from 'node:crypto';
import { MASKED_PII_CLASSES, MASKING_STRATEGIES, MaskedPiiClass } from '../auth/policy';
import { maskValue } from './strategies';

const KEY = 'unit-test-masking-key';
const hmac = (text: string): string => createHmac('sha256', KEY).update(text).digest('hex');

const SAMPLES: Record<MaskedPiiClass, string> = {
  email: 'Alice.Smith@Example.com',
  phone: '+49 (30) 555-0123',
  name: 'Alice',
  address: '1 Main Street',
  birth_date: '1987-04-12',
};

const EXPECTED: Record<MaskedPiiClass, Record<(typeof MASKING_STRATEGIES)[number], string | null>> = {
  email: {
    clear: 'Alice.Smith@Example.com',
    partial: 'A***@Example.com',
    hash: hmac('alice.smith@example.com'),
    redact: null,
  },
  phone: { clear: '+49 (30) 555-0123', partial: '***0123', hash: hmac('49305550123'), redact: null },
  name: { clear: 'Alice', partial: 'A***', hash: hmac('alice'), redact: null },
  address: { clear: '1 Main Street', partial: null, hash: hmac('1 main street'), redact: null },
  birth_date: { clear: '1987-04-12', partial: '1987', hash: hmac('1987-04-12'), redact: null },
};

describe('masking strategies', () => {
  for (const piiClass of MASKED_PII_CLASSES) {
    for (const strategy of MASKING_STRATEGIES) {
      it(`${strategy} ${piiClass}`, () => {
        expect(maskValue(SAMPLES[piiClass], piiClass, strategy, KEY)).toBe(EXPECTED[piiClass][strategy]);
      });
      it(`${strategy} ${piiClass} keeps null as null`, () => {
        expect(maskValue(null, piiClass, strategy, KEY)).toBeNull();
      });
    }
  }

  it('hashes are 64 hex characters, stable, and equal for values that differ only in form', () => {
    const a = maskValue(' Alice@Example.COM ', 'email', 'hash', KEY);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(maskValue('alice@example.com', 'email', 'hash', KEY)).toBe(a);
    expect(maskValue('+49 30 5550123', 'phone', 'hash', KEY)).toBe(
      maskValue('49-30-555-0123', 'phone', 'hash', KEY),
    );
  });

  it('hashes depend on the key', () => {
    expect(maskValue('alice@example.com', 'email', 'hash', 'other-key')).not.toBe(
      maskValue('alice@example.com', 'email', 'hash', KEY),
    );
  });

  it('partial: short phone numbers and odd emails reveal nothing', () => {
    expect(maskValue('0123', 'phone', 'partial', KEY)).toBe('***');
    expect(maskValue('no-at-sign', 'email', 'partial', KEY)).toBe('***');
    expect(maskValue('@example.com', 'email', 'partial', KEY)).toBe('***');
  });

  it('partial keeps a whole first character of non-ASCII names', () => {
    expect(maskValue('Émile', 'name', 'partial', KEY)).toBe('É***');
    expect(maskValue('😀smile@example.com', 'email', 'partial', KEY)).toBe('😀***@example.com');
  });
});
