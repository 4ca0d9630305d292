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

/** Nest treats a JSON `null` body like no body at all; c360 refuses it like any non-object body. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && value === null) {
      throw new C360Error(ErrorCode.InvalidBody, 'The request body must be a JSON object.');
    }
    return super.transform(value, metadata);
  }
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
