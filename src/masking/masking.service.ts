import { C360Error, ErrorCode } from '../common/errors';
import { ClassStrategies, MaskedPiiClass, MaskingStrategy, Policy, RouteKind } from '../auth/policy';
import { Principal } from '../auth/principal';
import { PiiClassification } from './pii-classification';
import { allRedacted, sameStrategies, sqlMaskedWith } from './sql-masked';
import { maskValue } from './strategies';

declare const MASKED: unique symbol;

/** A record that went through the masking policy for its caller. GraphQL types holding PII are
 *  built only from these, so a resolver cannot return PII that skipped masking. */
export type Masked<T> = T & { readonly [MASKED]: true };

/** `record`: the body is one customer record; `items`: each item of `data` is one. */
export type PiiShape = 'record' | 'items';

/** The fields a caller does not see in clear, with what to do to each: computed once per role
 *  set and route kind, then applied to every record. */
class MaskingPlan {
  /** Whether some PII class is shown in clear (such reads are audited and never cached). */
  readonly showsClear: boolean;

  constructor(
    readonly strategies: ClassStrategies,
    private readonly steps: ReadonlyArray<readonly [string, MaskedPiiClass, MaskingStrategy]>,
    private readonly hashKey: string,
  ) {
    this.showsClear = Object.values(strategies).includes('clear');
  }

  apply<T extends object>(record: T): Masked<T> {
    const applied = sqlMaskedWith(record);
    if (applied) {
      // Masked by the engine's SQL (Athena): the same bytes already; masking again would change them.
      if (sameStrategies(applied, this.strategies) || allRedacted(applied)) return record as Masked<T>;
      throw new C360Error(ErrorCode.Internal, 'The response could not be prepared.');
    }
    if (this.steps.length === 0) return record as Masked<T>;
    const masked = { ...record } as Record<string, unknown>;
    for (const [field, piiClass, strategy] of this.steps) {
      if (field in masked) masked[field] = maskValue(masked[field], piiClass, strategy, this.hashKey);
    }
    return masked as Masked<T>;
  }
}

/**
 * The one masking mechanism (SPEC §9): the policy says which strategy a caller gets per PII class
 * and route kind, the source contracts say which fields hold which class. REST applies it through
 * SnapshotResponseInterceptor; GraphQL resolvers, exports and quarantine browsing call the same methods.
 */
export class MaskingService {
  private readonly plans = new Map<string, MaskingPlan>();
  /** The plans of a principal (one object per verified token): no key to build per record. */
  private readonly byPrincipal = new WeakMap<Principal, Partial<Record<RouteKind, MaskingPlan>>>();

  constructor(
    private readonly policy: Policy,
    private readonly classification: PiiClassification,
    private readonly hashKey: string,
  ) {}

  /** Strategy per PII class for this caller; no caller means everything redacted. */
  strategiesFor(principal: Principal | null, kind: RouteKind): ClassStrategies {
    return this.planFor(principal, kind).strategies;
  }

  /** Whether the caller sees some PII class in clear on routes of `kind`. */
  seesClear(principal: Principal | null, kind: RouteKind): boolean {
    return this.planFor(principal, kind).showsClear;
  }

  /** A copy of `record` with every PII field masked for the caller (the record itself when the
   *  caller sees everything in clear). */
  maskRecord<T extends object>(record: T, principal: Principal | null, kind: RouteKind): Masked<T> {
    return this.planFor(principal, kind).apply(record);
  }

  /** Masks a response body: the record itself (`record`), or each item of `data` (`items`; the
   *  default for `list` routes). */
  maskResponse(
    body: unknown,
    principal: Principal | null,
    kind: RouteKind,
    shape: PiiShape = kind === 'list' ? 'items' : 'record',
  ): unknown {
    const plan = this.planFor(principal, kind);
    if (typeof body !== 'object' || body === null) return body;
    if (shape === 'record') return plan.apply(body);
    const data = (body as { data?: unknown }).data;
    // Fail closed: a list body that is not `{ data: [...] }` must not leave unmasked.
    if (!Array.isArray(data)) throw new C360Error(ErrorCode.Internal, 'The response could not be prepared.');
    return {
      ...body,
      data: data.map((item: unknown) =>
        typeof item === 'object' && item !== null ? plan.apply(item) : item,
      ),
    };
  }

  private planFor(principal: Principal | null, kind: RouteKind): MaskingPlan {
    if (principal === null) return this.planForRoles([], kind);
    let plans = this.byPrincipal.get(principal);
    if (!plans) {
      plans = {};
      this.byPrincipal.set(principal, plans);
    }
    return (plans[kind] ??= this.planForRoles(principal.roles, kind));
  }

  private planForRoles(roles: readonly string[], kind: RouteKind): MaskingPlan {
    // JSON keeps role names apart whatever they contain (unknown roles are arbitrary strings).
    const key = `${kind}${JSON.stringify(roles.length > 1 ? [...roles].sort() : roles)}`;
    let plan = this.plans.get(key);
    if (!plan) {
      const strategies = this.policy.maskingFor(roles, kind);
      const steps = [...this.classification.entries()]
        .filter(([, piiClass]) => strategies[piiClass] !== 'clear')
        .map(([field, piiClass]) => [field, piiClass, strategies[piiClass]] as const);
      plan = new MaskingPlan(strategies, steps, this.hashKey);
      // Role sets come from verified tokens; the bound only guards against unusual role mixes.
      if (this.plans.size > 1000) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }
}
