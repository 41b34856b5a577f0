// The adapter API on the ERP outbox, through the real gateway: leases, acknowledgement, rejection,
// backoff, DEAD after the last attempt, and integrationHealth showing all of it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { HubUnderTest } from '../support/hub.ts';
import { startHubUnderTest } from '../support/hub.ts';
import { ACK, asAdapter, CLAIM, confirmationPayload, HEALTH, insertPosting, maintenancePayload, REJECT, sleep } from './support.ts';

interface Claimed {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  leaseOwner: string;
  leaseUntil: string;
}
interface Health {
  pendingPostings: { kind: string; count: number; oldestAgeSeconds: number }[];
  oldestUnconfirmedConfirmationAt: string | null;
  failedPostings: number;
  deadPostings: number;
  retryingPostings: number;
  retryAttempts: number;
  deadLetters: number;
  openExceptions: number;
  openMaintenanceRequests: number;
  delayedConfirmations: number;
}

describe('ERP outbox adapter API', () => {
  let hub: HubUnderTest;
  const environment = { ...process.env };

  beforeAll(async () => {
    process.env.ERP_MAX_ATTEMPTS = '3';
    process.env.ERP_RETRY_BASE_SECONDS = '1';
    hub = await startHubUnderTest('erp_outbox');
  });
  afterAll(async () => {
    process.env = environment;
    await hub.stop();
  });
  beforeEach(async () => {
    await hub.database.prisma.integrationException.deleteMany();
    await hub.database.prisma.erpPosting.deleteMany();
  });

  const claim = async (adapter: string, variables: Record<string, unknown> = {}) => {
    const response = await asAdapter<{ claimErpPostings: Claimed[] }>(hub, adapter, CLAIM, { limit: 20, lease: 60, ...variables });
    expect(response.errors).toBeUndefined();
    return response.data!.claimErpPostings;
  };

  it('erp outbox - two adapters claiming at once never get the same posting, and every posting is taken once', async () => {
    const { prisma } = hub.database;
    for (let window = 0; window < 40; window += 1) await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, window));
    const rounds = await Promise.all([0, 1, 2, 3].flatMap((round) => ['adapter-a', 'adapter-b'].map((adapter) => claim(adapter, { limit: 7 }).then((rows) => ({ adapter, round, rows })))));
    const ids = rounds.flatMap((round) => round.rows.map((row) => row.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(40);
    for (const round of rounds) {
      for (const row of round.rows) expect(row).toMatchObject({ status: 'IN_FLIGHT', attempts: 1, leaseOwner: round.adapter });
    }
    expect(await claim('adapter-c')).toEqual([]);
  });

  it('erp outbox - claims only the kinds asked for, oldest first', async () => {
    const { prisma } = hub.database;
    const first = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 1));
    const maintenance = await insertPosting(prisma, 'MAINTENANCE_NOTIFICATION', await maintenancePayload(prisma));
    const second = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 2));
    const claimed = await claim('adapter-a', { kinds: ['PRODUCTION_CONFIRMATION'] });
    expect(claimed.map((row) => row.id)).toEqual([first.id, second.id]);
    expect((await claim('adapter-a')).map((row) => row.id)).toEqual([maintenance.id]);
  });

  it('erp outbox - an expired lease makes the posting claimable again, and the old holder can no longer report', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 3));
    expect(await claim('adapter-a', { lease: 1 })).toHaveLength(1);
    expect(await claim('adapter-b')).toEqual([]); // lease still running
    await sleep(1_200);
    const reclaimed = await claim('adapter-b');
    expect(reclaimed).toMatchObject([{ id: posting.id, attempts: 2, leaseOwner: 'adapter-b' }]);
    const late = await asAdapter(hub, 'adapter-a', ACK, { id: posting.id, doc: 'CONF1' });
    expect(late.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
    const acknowledged = await asAdapter<{ acknowledgeErpPosting: { status: string; erpDocumentId: string } }>(hub, 'adapter-b', ACK, { id: posting.id, doc: 'CONF1' });
    expect(acknowledged.data?.acknowledgeErpPosting).toMatchObject({ status: 'CONFIRMED', erpDocumentId: 'CONF1' });
  });

  it('erp outbox - a posting whose last lease expires without a report is DEAD, not claimed forever', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 6));
    await prisma.erpPosting.update({ where: { id: posting.id }, data: { attempts: 2 } });
    expect(await claim('adapter-a', { lease: 1 })).toMatchObject([{ id: posting.id, attempts: 3 }]);
    await sleep(1_200);
    expect(await claim('adapter-b')).toEqual([]);
    const row = await prisma.erpPosting.findUniqueOrThrow({ where: { id: posting.id }, include: { exceptions: true } });
    expect(row).toMatchObject({ status: 'DEAD', attempts: 3, lastError: 'lease of adapter-a expired without a report' });
    expect(row.exceptions).toEqual([expect.objectContaining({ kind: 'POSTING_DEAD' })]);
  });

  it('erp outbox - acknowledge: only the lease holder, idempotent with the same document, refused with another', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 4));
    const early = await asAdapter(hub, 'adapter-a', ACK, { id: posting.id, doc: 'CONF9' });
    expect(early.errors?.[0]?.extensions?.code).toBe('INVALID_STATE'); // PENDING, nobody holds it
    await claim('adapter-a');
    const stranger = await asAdapter(hub, 'adapter-b', ACK, { id: posting.id, doc: 'CONF9' });
    expect(stranger.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
    const first = await asAdapter<{ acknowledgeErpPosting: { confirmedAt: string } }>(hub, 'adapter-a', ACK, { id: posting.id, doc: 'CONF9' });
    expect(first.errors).toBeUndefined();
    const again = await asAdapter<{ acknowledgeErpPosting: { confirmedAt: string; status: string } }>(hub, 'adapter-a', ACK, { id: posting.id, doc: 'CONF9' });
    expect(again.data?.acknowledgeErpPosting).toEqual({ ...first.data!.acknowledgeErpPosting, status: 'CONFIRMED', id: posting.id, erpDocumentId: 'CONF9' });
    const other = await asAdapter(hub, 'adapter-a', ACK, { id: posting.id, doc: 'CONF10' });
    expect(other.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
    const missing = await asAdapter(hub, 'adapter-a', ACK, { id: '00000000-0000-4000-8000-000000000000', doc: 'X' });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await claim('adapter-b')).toEqual([]); // confirmed postings are never handed out again
  });

  it('erp outbox - acknowledgeErpPostings confirms a page in one request and explains each posting it refuses', async () => {
    const { prisma } = hub.database;
    const mine = [];
    for (let window = 20; window < 25; window += 1) mine.push(await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, window)));
    await claim('adapter-a');
    const theirs = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 30));
    await claim('adapter-b');
    await asAdapter(hub, 'adapter-a', ACK, { id: mine[0]!.id, doc: 'DOC-0' }); // already confirmed: a repeat
    const acknowledgements = [...mine.map((posting, i) => ({ id: posting.id, erpDocumentId: `DOC-${i}` })), { id: theirs.id, erpDocumentId: 'DOC-X' }];
    const response = await asAdapter<{ acknowledgeErpPostings: { id: string; errorCode: string | null; posting: { status: string; erpDocumentId: string } | null }[] }>(
      hub,
      'adapter-a',
      `mutation($acknowledgements: [ErpAcknowledgement!]!) { acknowledgeErpPostings(acknowledgements: $acknowledgements) { id errorCode posting { status erpDocumentId } } }`,
      { acknowledgements },
    );
    expect(response.errors).toBeUndefined();
    const results = response.data!.acknowledgeErpPostings;
    expect(results.map((result) => result.id)).toEqual(acknowledgements.map((ack) => ack.id));
    expect(results.slice(0, 5)).toEqual(mine.map((_, i) => expect.objectContaining({ errorCode: null, posting: { status: 'CONFIRMED', erpDocumentId: `DOC-${i}` } })));
    expect(results[5]).toMatchObject({ id: theirs.id, errorCode: 'INVALID_STATE', posting: null });
    expect((await prisma.erpPosting.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe('IN_FLIGHT');
    const duplicate = await asAdapter(hub, 'adapter-a', `mutation($a: [ErpAcknowledgement!]!) { acknowledgeErpPostings(acknowledgements: $a) { id } }`, {
      a: [{ id: theirs.id, erpDocumentId: 'A' }, { id: theirs.id, erpDocumentId: 'B' }],
    });
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('erp outbox - a retryable rejection backs off exponentially and the posting is DEAD after the last attempt, visible in integrationHealth', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 5));
    const backoffs: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      let claimed: Claimed[] = [];
      for (let tries = 0; claimed.length === 0 && tries < 40; tries += 1) {
        claimed = await claim('adapter-a');
        if (claimed.length === 0) await sleep(100);
      }
      expect(claimed).toMatchObject([{ id: posting.id, attempts: attempt }]);
      const rejected = await asAdapter<{ rejectErpPosting: { status: string; nextAttemptAt: string; lastError: string; exceptions: { kind: string }[] } }>(
        hub,
        'adapter-a',
        REJECT,
        { id: posting.id, reason: `ERP 503 (attempt ${attempt})`, retryable: true },
      );
      const result = rejected.data!.rejectErpPosting;
      expect(result.lastError).toBe(`ERP 503 (attempt ${attempt})`);
      if (attempt < 3) {
        expect(result.status).toBe('PENDING');
        const row = await prisma.erpPosting.findUniqueOrThrow({ where: { id: posting.id } });
        backoffs.push(row.nextAttemptAt.getTime() - row.updatedAt.getTime());
        expect(await claim('adapter-b')).toEqual([]); // not due yet
        const health = (await asAdapter<{ integrationHealth: Health }>(hub, 'adapter-a', HEALTH)).data!.integrationHealth;
        expect(health.retryingPostings).toBe(1);
        expect(health.pendingPostings).toEqual([{ kind: 'PRODUCTION_CONFIRMATION', count: 1, oldestAgeSeconds: expect.any(Number) }]);
      } else {
        expect(result.status).toBe('DEAD');
        expect(result.exceptions).toEqual([expect.objectContaining({ kind: 'POSTING_DEAD' })]);
      }
    }
    // base 1 s, doubling: about 1 s after the first failure, 2 s after the second
    expect(backoffs[0]).toBeGreaterThan(900);
    expect(backoffs[0]).toBeLessThanOrEqual(1_000);
    expect(backoffs[1]).toBeGreaterThan(1_900);
    expect(backoffs[1]).toBeLessThanOrEqual(2_000);
    expect(await claim('adapter-a')).toEqual([]);
    const health = (await asAdapter<{ integrationHealth: Health }>(hub, 'adapter-a', HEALTH, { after: 1 })).data!.integrationHealth;
    expect(health).toMatchObject({ deadPostings: 1, failedPostings: 0, retryingPostings: 0, retryAttempts: 2, openExceptions: 1, pendingPostings: [], delayedConfirmations: 1 });
    expect(health.oldestUnconfirmedConfirmationAt).not.toBeNull();
  });

  it('erp outbox - a rejection that is not retryable fails the posting for a person at once', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'MAINTENANCE_NOTIFICATION', await maintenancePayload(prisma));
    await claim('adapter-a');
    const rejected = await asAdapter<{ rejectErpPosting: { status: string; exceptions: { kind: string; message: string }[] } }>(hub, 'adapter-a', REJECT, {
      id: posting.id,
      reason: 'functional location unknown',
      retryable: false,
    });
    expect(rejected.data!.rejectErpPosting.status).toBe('FAILED');
    expect(rejected.data!.rejectErpPosting.exceptions).toEqual([expect.objectContaining({ kind: 'POSTING_REJECTED', message: expect.stringContaining('functional location unknown') })]);
    const again = await asAdapter(hub, 'adapter-a', REJECT, { id: posting.id, reason: 'again', retryable: true });
    expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
    const health = (await asAdapter<{ integrationHealth: Health }>(hub, 'adapter-a', HEALTH)).data!.integrationHealth;
    expect(health).toMatchObject({ failedPostings: 1, deadPostings: 0, openExceptions: 1, delayedConfirmations: 0 });
  });

  it('erp outbox - bad arguments and callers without the integration scope are refused', async () => {
    const tooMany = await asAdapter(hub, 'adapter-a', CLAIM, { limit: 10_000, lease: 60 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const noLease = await asAdapter(hub, 'adapter-a', CLAIM, { limit: 1, lease: 0 });
    expect(noLease.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const viewer = await hub.query(CLAIM, { limit: 1, lease: 60 }, { role: 'viewer' });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
