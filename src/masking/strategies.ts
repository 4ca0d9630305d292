import { createHmac } from 'node:crypto';
import { MaskedPiiClass, MaskingStrategy } from '../auth/policy';

export type MaskedValue = string | number | boolean | null;

/** Canonical form hashed by the `hash` strategy, so equal values hash equally across sources. */
export function normalizeForHash(value: string, piiClass: MaskedPiiClass): string {
  const text = value.normalize('NFC').trim();
  switch (piiClass) {
    case 'email':
      return text.toLowerCase();
    case 'phone':
      return text.replace(/\D/g, '');
    case 'name':
    case 'address':
      return text.toLowerCase().replace(/\s+/g, ' ');
    case 'birth_date':
      return text;
  }
}

/** SPEC §9 `partial`: enough to recognise a value, not to use it. */
export function partialValue(value: string, piiClass: MaskedPiiClass): string | null {
  const text = value.trim();
  if (text === '') return text;
  switch (piiClass) {
    case 'email': {
      const at = text.lastIndexOf('@');
      if (at < 1) return '***';
      return `${Array.from(text.slice(0, at))[0]}***@${text.slice(at + 1)}`;
    }
    case 'phone': {
      const digits = text.replace(/\D/g, '');
      // With four digits or fewer the last four would be the whole number.
      return digits.length > 4 ? `***${digits.slice(-4)}` : '***';
    }
    case 'name':
      return `${Array.from(text)[0]}***`;
    case 'address':
      return null;
    case 'birth_date':
      return /^\d{4}/.test(text) ? text.slice(0, 4) : null;
  }
}

/** Applies one strategy to one value of a PII class. Null stays null under every strategy. */
export function maskValue(
  value: unknown,
  piiClass: MaskedPiiClass,
  strategy: MaskingStrategy,
  hashKey: string,
): MaskedValue {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : String(value);
  switch (strategy) {
    case 'clear':
      return typeof value === 'number' || typeof value === 'boolean' ? value : text;
    case 'redact':
      return null;
    case 'hash':
      return createHmac('sha256', hashKey).update(normalizeForHash(text, piiClass)).digest('hex');
    case 'partial':
      return partialValue(text, piiClass);
  }
}
