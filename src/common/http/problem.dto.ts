import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ERROR_MAPPING, ErrorCode } from '../errors';
import { PROBLEM_CONTENT_TYPE } from '../problem';

/** RFC 9457 problem details, as every error is answered. */
export class ProblemDto {
  @ApiProperty({ example: 'https://c360.dev/problems/invalid_parameter' })
  type!: string;
  @ApiProperty({ example: 'Invalid parameter' })
  title!: string;
  @ApiProperty({ example: 400 })
  status!: number;
  @ApiProperty({ example: 'limit must not be greater than 200.' })
  detail!: string;
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode' })
  code!: ErrorCode;
  @ApiPropertyOptional({ example: 'urn:c360:request:5b0c3c1e-4a0f-4a8e-9a43-0b7e0f4f6f5d' })
  instance?: string;
  @ApiPropertyOptional({ description: 'The request id, as in the X-Request-Id header' })
  request_id?: string;
  @ApiPropertyOptional({
    description: 'The bad parameter (invalid_parameter, invalid_cursor, cursor_expired, unknown_segment)',
  })
  parameter?: string;
  @ApiPropertyOptional({ description: 'The running run (run_in_progress)' })
  run_id?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'Seconds to wait (rate_limited)' })
  retry_after?: number;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid parameter, body or cursor',
  401: 'Missing, invalid or expired bearer token',
  403: "The caller's roles do not grant this",
  404: 'Not found',
  409: 'A run is already in progress (`run_id` names it), or this process does not run builds',
  410: 'The cursor was issued on a snapshot that is no longer served; start from the first page',
  413: 'Body too large',
  429: 'Too many requests for this token (`retry_after` seconds, also in Retry-After)',
  503: 'No snapshot published yet',
};

/** Documents problem+json error responses for the given statuses. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description:
          DESCRIPTIONS[status] ??
          Object.values(ERROR_MAPPING).find((m) => m.status === status)?.title ??
          'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
