// Shared by the ERP tests: GraphQL calls through the gateway as a named adapter (the lease owner is
// the token subject), and postings written straight into the outbox with valid canonical payloads.
import { randomUUID } from 'node:crypto';
import { signDevelopmentToken, type Role } from '../../core/auth.ts';
import type { PrismaClient } from '../../core/db.ts';
import { postingPayload, type ErpPostingKind } from '../../core/postings.ts';
import type { GraphQLResponse } from '../support/graph.ts';
import type { HubUnderTest } from '../support/hub.ts';

export function tokenFor(hub: HubUnderTest, subject: string, role: Role = 'erp-adapter'): Promise<string> {
  return signDevelopmentToken({ role, subject, secret: hub.config.JWT_SECRET, issuer: hub.config.JWT_ISSUER, audience: hub.config.JWT_AUDIENCE });
}

/** POST to the gateway as the adapter `subject`. */
export async function asAdapter<Data = Record<string, unknown>>(hub: HubUnderTest, subject: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<Data>> {
  const response = await fetch(hub.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(hub, subject)}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A valid production confirmation for the seed's first CNC order, one per window index. */
export async function confirmationPayload(prisma: PrismaClient, window: number) {
  const order = await prisma.productionOrder.findUniqueOrThrow({ where: { erpOrderNumber: '1000101' }, include: { operations: { orderBy: { sequence: 'asc' } } } });
  const operation = order.operations[0]!;
  const start = new Date(Date.UTC(2026, 10, 25, 6, 0) + window * 300_000);
  return postingPayload('PRODUCTION_CONFIRMATION', {
    orderId: order.id,
    erpOrderNumber: order.erpOrderNumber,
    operationId: operation.id,
    operationSequence: operation.sequence,
    erpWorkCenter: operation.erpWorkCenter,
    windowStart: start.toISOString(),
    windowEnd: new Date(start.getTime() + 300_000).toISOString(),
    yieldQuantity: 40 + window,
    scrapQuantity: 1,
    reworkQuantity: 0,
    unit: order.unit,
    setupSeconds: 0,
    runSeconds: 280,
    downSeconds: 20,
    final: false,
    rule: 'test/window-5m',
  });
}

export async function maintenancePayload(prisma: PrismaClient) {
  const cell = await prisma.workCell.findFirstOrThrow({ orderBy: { code: 'asc' } });
  return postingPayload('MAINTENANCE_NOTIFICATION', {
    maintenanceRequestId: randomUUID(),
    assetId: cell.id,
    assetCode: cell.code,
    erpWorkCenter: cell.erpWorkCenter,
    priority: 'HIGH',
    reason: 'spindle temperature critical',
    alarmCode: 'SPINDLE_TEMP_HIGH',
    downtimeStartAt: new Date().toISOString(),
    downtimeEndAt: null,
  });
}

/** Write a PENDING posting as a producer would (the producers live in ingest/reactions). */
export async function insertPosting(prisma: PrismaClient, kind: ErpPostingKind, payload: object, orderId: string | null = null) {
  return prisma.erpPosting.create({
    data: { kind, payload, idempotencyKey: `test:${kind}:${randomUUID()}`, orderId, sourceEventIds: [randomUUID()] },
  });
}

export const CLAIM = `mutation($kinds: [ErpPostingKind!], $limit: Int, $lease: Int) {
  claimErpPostings(kinds: $kinds, limit: $limit, leaseSeconds: $lease) { id kind status attempts leaseOwner leaseUntil }
}`;
export const ACK = `mutation($id: ID!, $doc: String!) { acknowledgeErpPosting(id: $id, erpDocumentId: $doc) { id status erpDocumentId confirmedAt } }`;
export const REJECT = `mutation($id: ID!, $reason: String!, $retryable: Boolean!) {
  rejectErpPosting(id: $id, reason: $reason, retryable: $retryable) { id status attempts nextAttemptAt lastError exceptions { kind message } }
}`;
export const HEALTH = `query($after: Int) { integrationHealth(delayedAfterSeconds: $after) {
  checkedAt pendingPostings { kind count oldestAgeSeconds } oldestUnconfirmedConfirmationAt oldestUnconfirmedConfirmationAgeSeconds
  failedPostings deadPostings retryingPostings retryAttempts deadLetters openExceptions openMaintenanceRequests delayedConfirmations delayedConfirmationThresholdSeconds
} }`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
