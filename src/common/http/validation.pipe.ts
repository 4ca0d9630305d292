import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { C360Error, ErrorCode } from '../errors';

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

function firstLeaf(error: ValidationError, path: string[] = []): { path: string[]; message: string | null } {
  const here = [...path, error.property];
  if (error.constraints && Object.keys(error.constraints).length > 0) {
    return { path: here, message: Object.values(error.constraints)[0] };
  }
  const child = error.children?.[0];
  return child ? firstLeaf(child, here) : { path: here, message: null };
}

/** Turns class-validator errors into a 400 naming the first bad parameter. */
export function validationErrorToProblem(errors: ValidationError[]): C360Error {
  const first = errors[0];
  if (!first || !first.property) return new C360Error(ErrorCode.InvalidBody, 'The request is not valid.');
  const leaf = firstLeaf(first);
  const name = leaf.path.join('.');
  // A parameter name comes from the caller (an unknown one is reported by name), so only
  // well-formed names are echoed.
  if (!SAFE_NAME.test(name)) {
    return new C360Error(ErrorCode.InvalidParameter, 'The request has an unknown parameter.', {
      parameter: null,
    });
  }
  const detail = leaf.message ?? `${name} is not valid`;
  return new C360Error(ErrorCode.InvalidParameter, /[.!?]$/.test(detail) ? detail : `${detail}.`, {
    parameter: name,
  });
}

/** Validated query DTOs remembered per DTO class and raw query. */
const MEMO_SIZE = 2048;
const MAX_MEMO_KEY = 1024;

/** A copy the handler may change without touching the remembered instance (DTO fields are
 *  scalars, arrays of strings and dates). */
function copyOf(instance: object): object {
  const copy = Object.create(Object.getPrototypeOf(instance) as object | null) as Record<string, unknown>;
  for (const [name, field] of Object.entries(instance)) {
    copy[name] = Array.isArray(field) ? [...field] : field instanceof Date ? new Date(field) : field;
  }
  return copy;
}

/**
 * Nest treats a JSON `null` body like no body at all; c360 refuses it like any non-object body.
 * Query strings that validated once are not run through class-transformer and class-validator
 * again: validation is a pure function of the DTO class and the raw strings, and on hot routes the
 * same few queries (`?segment=…&limit=50`, none at all) repeat. Path parameters (ids) rarely repeat
 * and are validated every time. Failures are not remembered, so every refusal is built as before.
 */
class StrictValidationPipe extends ValidationPipe {
  private readonly memo = new WeakMap<object, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value === null) {
      throw new C360Error(ErrorCode.InvalidBody, 'The request body must be a JSON object.');
    }
    const metatype = metadata.metatype;
    if (metadata.type !== 'query' || !metatype || !isStringRecord(value)) {
      return super.transform(value, metadata);
    }
    const key = JSON.stringify(value);
    if (key.length > MAX_MEMO_KEY) return super.transform(value, metadata);
    let known = this.memo.get(metatype);
    const hit = known?.get(key);
    if (hit !== undefined) return copyOf(hit);
    const result = (await super.transform(value, metadata)) as unknown;
    // Only DTO instances (a class with validation) are remembered; anything else passes as is.
    if (typeof result === 'object' && result !== null && result !== value) {
      if (!known) {
        known = new Map();
        this.memo.set(metatype, known);
      }
      if (known.size >= MEMO_SIZE) known.clear();
      known.set(key, copyOf(result));
    }
    return result;
  }
}

/** A parsed query string: string values or lists of strings. */
function isStringRecord(value: unknown): value is Record<string, string | string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const field of Object.values(value as Record<string, unknown>)) {
    if (typeof field === 'string') continue;
    if (Array.isArray(field) && field.every((item) => typeof item === 'string')) continue;
    return false;
  }
  return true;
}

/** A 400 for a query parameter the route does not take, naming it when it is well-formed. */
export function unknownParameter(name: string): C360Error {
  if (!SAFE_NAME.test(name)) {
    return new C360Error(ErrorCode.InvalidParameter, 'The request has an unknown parameter.', {
      parameter: null,
    });
  }
  return new C360Error(ErrorCode.InvalidParameter, `${name} is not a parameter of this route.`, {
    parameter: name,
  });
}

/** Global pipe: DTOs validated and transformed; unknown parameters and body fields refused. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationErrorToProblem,
  });
}
