import { AsyncLocalStorage } from 'node:async_hooks';
import { RouteKind } from '../auth/policy';
import { Principal } from '../auth/principal';

/**
 * Who a read is for, and with which route kind's masking. Repository signatures carry no caller:
 * an engine that masks inside its SQL (Athena) reads it from here. Set around every handler
 * (REST and GraphQL root fields) and around every DataLoader batch of a nested GraphQL field.
 */
export interface ReadCaller {
  principal: Principal | null;
  kind: RouteKind;
}

export const readCaller = new AsyncLocalStorage<ReadCaller>();
