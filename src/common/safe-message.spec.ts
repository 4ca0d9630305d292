import { safeMessage } from './safe-message';

describe('safeMessage', () => {
  it('drops quoted values and echoed input', () => {
    const error = new Error(
      `Conversion Error: Could not convert string 'anna@example.com' to INT64\nLINE 1: select ...`,
    );
    expect(safeMessage(error)).toBe("Conversion Error: Could not convert string '…' to INT64");
    expect(safeMessage(new Error('Malformed JSON at byte 3. Input: "{\\"email\\":\\"x@y.z\\""'))).toBe(
      'Malformed JSON at byte 3.',
    );
  });

  it('keeps plain messages and bounds their length', () => {
    expect(safeMessage(new Error('source customers: kind s3 is not supported'))).toBe(
      'source customers: kind s3 is not supported',
    );
    expect(safeMessage('x'.repeat(500)).length).toBeLessThanOrEqual(301);
  });
});
