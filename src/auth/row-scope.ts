import { Principal } from './principal';

/**
 * The rows a caller may read. Built from the principal in one place (`RowScope.of`) and taken as
 * a required argument by every repository read, so no query can forget it.
 */
export class RowScope {
  private constructor(
    /** ISO-2 countries the caller may read; null = unrestricted. An empty list reads nothing. */
    readonly countries: readonly string[] | null,
  ) {}

  static of(principal: Principal): RowScope {
    return new RowScope(principal.countries === null ? null : [...principal.countries]);
  }

  /** For internal callers (pipeline, exports) that are not limited by a token. */
  static unrestricted(): RowScope {
    return new RowScope(null);
  }

  get restricted(): boolean {
    return this.countries !== null;
  }
}
