// Who may receive which event, decided at subscribe time (arguments the token may not ask for are
// refused with FORBIDDEN) and again for EVERY event (a wildcard subscription is filtered per event,
// so a partner never receives another customer's order whatever it sent). Sites come from the
// token's optional `siteIds` claim (absent = all sites), as core/auth.ts defines it.
import { scopesForRole, scopes, type AccessClaims } from '../../core/auth.ts';
import { ErrorCodes, PlantgraphError } from '../../core/errors.ts';
import { alarmSeverities, type EventEnvelope } from '../../core/events.ts';

type Severity = (typeof alarmSeverities)[number];

/** The subscription fields and the arguments each one takes (the public API names). */
export interface SubscriptionArguments {
  lineStateChanged: { lineId?: string | null; siteId?: string | null };
  alarmRaised: { siteId?: string | null; lineId?: string | null; minSeverity?: Severity | null };
  orderStatusChanged: { orderId?: string | null; customerId?: string | null };
  erpPostingsAvailable: { kind?: string | null };
}
export type SubscriptionField = keyof SubscriptionArguments;

/** Whether one event goes to one subscriber. */
export type EventGate = (event: EventEnvelope) => boolean;

function forbidden(message: string): PlantgraphError {
  return new PlantgraphError(ErrorCodes.FORBIDDEN, message);
}

const severityRank = (severity: Severity) => alarmSeverities.indexOf(severity);
const siteAllowed = (claims: AccessClaims, siteId: string) => claims.siteIds === undefined || claims.siteIds.includes(siteId);
const matches = (wanted: string | null | undefined, actual: string | null) => wanted === undefined || wanted === null || wanted === actual;

/**
 * The per-event gate for one subscription, or a FORBIDDEN error when the token may not subscribe
 * with these arguments at all.
 */
export function eventGate<F extends SubscriptionField>(field: F, args: SubscriptionArguments[F], claims: AccessClaims): EventGate {
  const granted = scopesForRole(claims.role);
  switch (field) {
    case 'lineStateChanged':
    case 'alarmRaised': {
      if (!granted.includes(scopes.readPlant)) throw forbidden(`role ${claims.role} may not subscribe to ${field}`);
      const wanted = args as SubscriptionArguments['alarmRaised'];
      if (wanted.siteId && !siteAllowed(claims, wanted.siteId)) throw forbidden(`this token may not see site ${wanted.siteId}`);
      const minimum = wanted.minSeverity ? severityRank(wanted.minSeverity) : 0;
      return (event) => {
        if (event.type !== 'LineStateChanged' && event.type !== 'AlarmRaised') return false;
        const data = event.data as EventEnvelope<'LineStateChanged' | 'AlarmRaised'>['data'];
        if (!siteAllowed(claims, data.siteId) || !matches(wanted.siteId, data.siteId) || !matches(wanted.lineId, data.lineId)) return false;
        return event.type !== 'AlarmRaised' || severityRank((event as EventEnvelope<'AlarmRaised'>).data.severity) >= minimum;
      };
    }
    case 'orderStatusChanged': {
      const wanted = args as SubscriptionArguments['orderStatusChanged'];
      if (claims.role === 'partner') {
        if (wanted.customerId && wanted.customerId !== claims.customerId) throw forbidden('a partner may only subscribe to its own customer');
      } else if (!granted.includes(scopes.readPlant)) {
        throw forbidden(`role ${claims.role} may not subscribe to ${field}`);
      }
      // A partner's own customer is enforced on every event, whatever the arguments said.
      const customerId = claims.role === 'partner' ? claims.customerId : wanted.customerId;
      return (event) => {
        if (event.type !== 'OrderStatusChanged') return false;
        const data = (event as EventEnvelope<'OrderStatusChanged'>).data;
        if (claims.role === 'partner' && data.customerId !== claims.customerId) return false;
        return matches(customerId, data.customerId) && matches(wanted.orderId, data.orderId);
      };
    }
    case 'erpPostingsAvailable': {
      if (!granted.includes(scopes.integrate)) throw forbidden(`role ${claims.role} may not subscribe to ${field}`);
      const wanted = args as SubscriptionArguments['erpPostingsAvailable'];
      return (event) => event.type === 'ErpPostingsAvailable' && matches(wanted.kind, (event as EventEnvelope<'ErpPostingsAvailable'>).data.kind);
    }
    default:
      throw forbidden(`unknown subscription ${String(field)}`);
  }
}

/**
 * Subscribers whose tokens see the same things share one resolution of an event's entity: the key
 * is what changes the resolved result (role → scopes, customer, sites), not who the caller is.
 */
export function accessContextKey(claims: AccessClaims): string {
  return [claims.role, claims.customerId ?? '', [...(claims.siteIds ?? [])].sort().join(',')].join('|');
}
