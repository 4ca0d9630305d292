import { C360Error, ErrorCode } from '../common/errors';
import { ClassStrategies, Policy, RouteKind } from '../auth/policy';
import { Principal } from '../auth/principal';
import { PiiClassification } from './pii-classification';
import { maskValue } from './strategies';

/**
 * The one masking mechanism (SPEC §9): the policy says which strategy a caller gets per PII class
 * and route kind, the source contracts say which fields hold which class. REST applies it through
 * MaskingInterceptor; GraphQL, exports and quarantine browsing call the same methods.
 */
export class MaskingService {
  constructor(
    private readonly policy: Policy,
    private readonly classification: PiiClassification,
    private readonly hashKey: string,
  ) {}

  /** Strategy per PII class for this caller; no caller means everything redacted. */
  strategiesFor(principal: Principal | null, kind: RouteKind): ClassStrategies {
    return this.policy.maskingFor(principal?.roles ?? [], kind);
  }

  /** A copy of `record` with every PII field masked for the caller. */
  maskRecord<T extends object>(record: T, principal: Principal | null, kind: RouteKind): T {
    return this.applyStrategies(record, this.strategiesFor(principal, kind));
  }

  /** Masks a response body: the record itself for `single`, each item of `data` for `list`. */
  maskResponse(body: unknown, principal: Principal | null, kind: RouteKind): unknown {
    const strategies = this.strategiesFor(principal, kind);
    if (typeof body !== 'object' || body === null) return body;
    if (kind === 'single') return this.applyStrategies(body, strategies);
    const data = (body as { data?: unknown }).data;
    // Fail closed: a list route whose body is not `{ data: [...] }` must not leave unmasked.
    if (!Array.isArray(data)) throw new C360Error(ErrorCode.Internal, 'The response could not be prepared.');
    return {
      ...body,
      data: data.map((item: unknown) =>
        typeof item === 'object' && item !== null ? this.applyStrategies(item, strategies) : item,
      ),
    };
  }

  private applyStrategies<T extends object>(record: T, strategies: ClassStrategies): T {
    const masked = { ...record } as Record<string, unknown>;
    for (const [field, piiClass] of this.classification.entries()) {
      if (field in masked)
        masked[field] = maskValue(masked[field], piiClass, strategies[piiClass], this.hashKey);
    }
    return masked as T;
  }
}
