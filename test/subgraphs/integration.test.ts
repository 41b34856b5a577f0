import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { integrationSubgraph } from '../../subgraphs/integration/index.ts';
import { runIdempotentCommand } from '../../core/idempotency.ts';
import type { ErpPostingKind, ErpPostingStatus } from '../../prisma/generated/client.ts';
import { countStatements, startSubgraphsUnderTest, type SubgraphsUnderTest } from '../support/graph.ts';

type Connection<Node> = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Node }[] };
type PostingNode = { id: string; kind: string; status: string; createdAt: string; order: { id: string } | null };

const POSTINGS_PAGE = `query($first: Int, $after: String, $filter: ErpPostingFilter) {
  erpPostings(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id kind status idempotencyKey payload attempts nextAttemptAt lastError erpDocumentId sourceEventIds createdAt
      order { id } operation { id } lot { id } maintenanceRequest { id } inspectionLot { id }
      exceptions { kind message resolvedAt deadLetter { id } posting { id } }
    } }
  }
}`;

const POSTING = `query($id: ID!) { erpPosting(id: $id) {
  id kind status payload attempts lastError erpDocumentId sourceEventIds order { id } lot { id } maintenanceRequest { id } exceptions { kind message details }
} }`;

const COMMANDS = `query($filter: InboundCommandFilter) { inboundCommands(filter: $filter, first: 50) { totalCount edges { node { idempotencyKey commandName inputHash status result actor createdAt completedAt } } } }`;
const DEAD_LETTERS = `query($filter: DeadLetterFilter, $first: Int) { deadLetters(filter: $filter, first: $first) {
  totalCount edges { node { id stream subject streamSequence messageId reasonCode reason payloadText payloadBase64 headers receivedAt replayCount exceptions { kind posting { id } } } }
} }`;
const EXCEPTIONS = `query($filter: IntegrationExceptionFilter, $first: Int) { integrationExceptions(filter: $filter, first: $first) {
  totalCount edges { node { id kind message details resolvedAt resolvedBy posting { id status } deadLetter { id reasonCode } } }
} }`;

const KINDS: ErpPostingKind[] = ['PRODUCTION_CONFIRMATION', 'GOODS_ISSUE', 'GOODS_RECEIPT', 'MAINTENANCE_NOTIFICATION', 'INSPECTION_RESULT', 'SHIPMENT_READINESS'];
const STATUSES: ErpPostingStatus[] = ['PENDING', 'PENDING', 'IN_FLIGHT', 'CONFIRMED', 'FAILED', 'DEAD'];

describe('integration subgraph', () => {
  let graph: SubgraphsUnderTest;
  const orderIds = [randomUUID(), randomUUID(), randomUUID()];
  const lotId = randomUUID();
  const requestId = randomUUID();
  let failedPostingId: string;
  let rejectedExceptionId: string;
  const deadLetterIds: string[] = [];
  const start = new Date('2026-03-02T06:00:00Z');
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('integration', [integrationSubgraph], { seed: false });
    const prisma = graph.database.prisma;
    // 18 postings, one minute apart: kinds and statuses cycle, orders take turns.
    for (let index = 0; index < 18; index += 1) {
      const kind = KINDS[index % KINDS.length]!;
      const status = STATUSES[index % STATUSES.length]!;
      await prisma.erpPosting.create({
        data: {
          kind,
          status,
          idempotencyKey: `${kind.toLowerCase()}:test:${index}`,
          payload: { index, quantity: 10 * index, unit: 'PC', lines: [{ position: 1 }] },
          attempts: status === 'DEAD' ? 8 : status === 'FAILED' ? 1 : 0,
          lastError: status === 'FAILED' || status === 'DEAD' ? 'ERP said no' : null,
          erpDocumentId: status === 'CONFIRMED' ? `49000${index}` : null,
          sourceEventIds: [`evt-${index}-a`, `evt-${index}-b`],
          orderId: kind === 'MAINTENANCE_NOTIFICATION' ? null : orderIds[index % orderIds.length]!,
          lotId: kind === 'GOODS_RECEIPT' ? lotId : null,
          maintenanceRequestId: kind === 'MAINTENANCE_NOTIFICATION' ? requestId : null,
          inspectionLotId: kind === 'INSPECTION_RESULT' ? randomUUID() : null,
          createdAt: at(index),
        },
      });
    }
    const failed = await prisma.erpPosting.findFirstOrThrow({ where: { status: 'FAILED' }, orderBy: { createdAt: 'asc' } });
    failedPostingId = failed.id;
    const dead = await prisma.erpPosting.findFirstOrThrow({ where: { status: 'DEAD' }, orderBy: { createdAt: 'asc' } });

    for (const [index, payload] of [Buffer.from('{"reading":'), Buffer.from([0xff, 0xfe, 0x00, 0x01]), Buffer.from('{"value":"NaN"}')].entries()) {
      const row = await prisma.deadLetter.create({
        data: {
          stream: index === 2 ? 'DOMAIN_EVENTS' : 'TELEMETRY',
          subject: index === 2 ? 'events.orders.order_released' : 'telemetry.LYO.MIX1.MIX10',
          streamSequence: 9_007_199_254_740_993n + BigInt(index),
          messageId: `msg-${index}`,
          payload,
          payloadText: index === 1 ? null : payload.toString('utf8'),
          reasonCode: index === 0 ? 'VALIDATION_FAILED' : 'INTERNAL',
          reason: index === 0 ? 'payload is not JSON' : 'handler failed',
          headers: { 'Nats-Msg-Id': `msg-${index}` },
          receivedAt: at(100 + index),
          replayCount: index === 2 ? 1 : 0,
          replayedAt: index === 2 ? at(200) : null,
        },
      });
      deadLetterIds.push(row.id);
    }

    const rejected = await prisma.integrationException.create({
      data: { kind: 'POSTING_REJECTED', postingId: failed.id, message: 'ERP rejected the confirmation', details: { erpMessage: 'Order 1000101 locked' }, createdAt: at(300) },
    });
    rejectedExceptionId = rejected.id;
    await prisma.integrationException.createMany({
      data: [
        { kind: 'POSTING_DEAD', postingId: dead.id, message: 'Posting used up its attempts', createdAt: at(301), resolvedAt: at(400), resolvedBy: 'ops-anna' },
        { kind: 'DEAD_LETTER', deadLetterId: deadLetterIds[0]!, message: 'Telemetry message refused', createdAt: at(302) },
        { kind: 'MASTER_DATA_MISSING', message: 'Material RM-9999 unknown', createdAt: at(303) },
      ],
    });

    // The command log as the real writer leaves it.
    for (const [key, commandName] of [['erp-release-1', 'releaseProductionOrder'], ['erp-material-1', 'createMaterial'], ['erp-material-2', 'createMaterial']] as const) {
      await runIdempotentCommand(prisma, { idempotencyKey: key, commandName, input: { key }, actor: key.startsWith('erp-release') ? 'erp-adapter' : 'planner-jo' }, async () => ({ id: key }));
    }
    await prisma.inboundCommand.create({ data: { idempotencyKey: 'erp-release-failed', commandName: 'releaseProductionOrder', inputHash: 'x', status: 'FAILED', error: 'line unknown', actor: 'erp-adapter' } });
  });
  afterAll(() => graph.stop());

  it('integration - a replay without a NATS connection is refused with UNAVAILABLE, nothing changed', async () => {
    const [letter] = await graph.database.prisma.deadLetter.findMany({ take: 1 });
    const response = await graph.query('integration', 'mutation ($ids: [ID!]!) { replayDeadLetters(ids: $ids) { notFound } }', { ids: [letter!.id] });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    const after = await graph.database.prisma.deadLetter.findUniqueOrThrow({ where: { id: letter!.id } });
    expect(after.replayCount).toBe(letter!.replayCount);
  });

  it('integration - pages through the whole outbox oldest first without gaps or repeats', async () => {
    const seen: PostingNode[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { erpPostings: Connection<PostingNode> } | null } = await graph.query<{ erpPostings: Connection<PostingNode> }>('integration', POSTINGS_PAGE, { first: 4, after });
      seen.push(...page.data!.erpPostings.edges.map((edge) => edge.node));
      after = page.data!.erpPostings.pageInfo.hasNextPage ? page.data!.erpPostings.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(18);
    expect(new Set(seen.map((posting) => posting.id)).size).toBe(18);
    expect(seen.map((posting) => posting.createdAt)).toEqual(Array.from({ length: 18 }, (_, index) => at(index).toISOString()));
  });

  it('integration - filters postings by status, kind, order and time', async () => {
    // An ERP adapter asks for `status: PENDING`; GraphQL coerces the single value to the list.
    const pending = await graph.query<{ erpPostings: Connection<PostingNode> }>('integration', `{ erpPostings(filter: { status: PENDING }, first: 50) { totalCount edges { node { status } } } }`);
    expect(pending.data!.erpPostings.totalCount).toBe(6);
    expect(new Set(pending.data!.erpPostings.edges.map((edge) => edge.node.status))).toEqual(new Set(['PENDING']));
    expect(await postings({ status: ['FAILED', 'DEAD'] })).toHaveLength(6);
    const receipts = await postings({ kind: ['GOODS_RECEIPT'] });
    expect(receipts.map((posting) => posting.kind)).toEqual(['GOODS_RECEIPT', 'GOODS_RECEIPT', 'GOODS_RECEIPT']);
    const ofOrder = await postings({ orderId: orderIds[1] });
    expect(ofOrder.length).toBeGreaterThan(0);
    expect(new Set(ofOrder.map((posting) => posting.order?.id))).toEqual(new Set([orderIds[1]]));
    expect(await postings({ since: at(15).toISOString() })).toHaveLength(3);
    expect(await postings({ status: ['PENDING'], kind: ['PRODUCTION_CONFIRMATION'], since: at(6).toISOString() })).toHaveLength(2);
    const bad = await graph.query('integration', POSTINGS_PAGE, { filter: { kind: ['INVOICE'] } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('integration - a posting shows its payload, its references as stubs and its exceptions', async () => {
    const response = await graph.query<{ erpPosting: Record<string, unknown> }>('integration', POSTING, { id: failedPostingId });
    expect(response.errors).toBeUndefined();
    expect(response.data!.erpPosting).toMatchObject({
      id: failedPostingId,
      kind: 'INSPECTION_RESULT',
      status: 'FAILED',
      payload: { index: 4, quantity: 40, unit: 'PC', lines: [{ position: 1 }] },
      attempts: 1,
      lastError: 'ERP said no',
      sourceEventIds: ['evt-4-a', 'evt-4-b'],
      order: { id: orderIds[1] },
      lot: null,
      maintenanceRequest: null,
      exceptions: [{ kind: 'POSTING_REJECTED', message: 'ERP rejected the confirmation', details: { erpMessage: 'Order 1000101 locked' } }],
    });
    const notification = (await postings({ kind: ['MAINTENANCE_NOTIFICATION'] }))[0]!;
    const withRequest = await graph.query<{ erpPosting: { order: unknown; maintenanceRequest: { id: string } } }>('integration', POSTING, { id: notification.id });
    expect(withRequest.data!.erpPosting).toMatchObject({ order: null, maintenanceRequest: { id: requestId } });
    const receipt = (await postings({ kind: ['GOODS_RECEIPT'] }))[0]!;
    expect((await graph.query<{ erpPosting: { lot: { id: string } } }>('integration', POSTING, { id: receipt.id })).data!.erpPosting.lot).toEqual({ id: lotId });

    expect((await graph.query<{ erpPosting: unknown }>('integration', POSTING, { id: randomUUID() })).data!.erpPosting).toBeNull();
    expect((await graph.query('integration', POSTING, { id: 'posting-1' })).errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('integration - lists the inbound command log newest first, with filters', async () => {
    const all = await graph.query<{ inboundCommands: Connection<{ idempotencyKey: string; status: string; result: unknown; inputHash: string }> }>('integration', COMMANDS, {});
    expect(all.data!.inboundCommands.edges.map((edge) => edge.node.idempotencyKey)).toEqual(['erp-release-failed', 'erp-material-2', 'erp-material-1', 'erp-release-1']);
    expect(all.data!.inboundCommands.edges[1]!.node).toMatchObject({ status: 'SUCCEEDED', result: { id: 'erp-material-2' }, inputHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const materials = await graph.query<{ inboundCommands: Connection<unknown> }>('integration', COMMANDS, { filter: { commandName: 'createMaterial' } });
    expect(materials.data!.inboundCommands.totalCount).toBe(2);
    const failed = await graph.query<{ inboundCommands: Connection<{ idempotencyKey: string }> }>('integration', COMMANDS, { filter: { status: ['FAILED'] } });
    expect(failed.data!.inboundCommands.edges.map((edge) => edge.node.idempotencyKey)).toEqual(['erp-release-failed']);
    const byActor = await graph.query<{ inboundCommands: Connection<unknown> }>('integration', COMMANDS, { filter: { actor: 'erp-adapter' } });
    expect(byActor.data!.inboundCommands.totalCount).toBe(2);
    const future = await graph.query<{ inboundCommands: Connection<unknown> }>('integration', COMMANDS, { filter: { since: new Date(Date.now() + 60_000).toISOString() } });
    expect(future.data!.inboundCommands.totalCount).toBe(0);
  });

  it('integration - lists dead letters with their original bytes and exceptions, with filters', async () => {
    type DeadLetterNode = { id: string; streamSequence: string; payloadText: string | null; payloadBase64: string; headers: unknown; exceptions: { kind: string }[] };
    const all = await graph.query<{ deadLetters: Connection<DeadLetterNode> }>('integration', DEAD_LETTERS, {});
    const nodes = all.data!.deadLetters.edges.map((edge) => edge.node);
    expect(nodes.map((node) => node.id)).toEqual([...deadLetterIds].reverse());
    const binary = nodes[1]!;
    expect(binary).toMatchObject({ streamSequence: '9007199254740994', payloadText: null, headers: { 'Nats-Msg-Id': 'msg-1' } });
    expect([...Buffer.from(binary.payloadBase64, 'base64')]).toEqual([0xff, 0xfe, 0x00, 0x01]);
    expect(nodes[2]!.exceptions).toEqual([{ kind: 'DEAD_LETTER', posting: null }]);

    const telemetry = await graph.query<{ deadLetters: Connection<unknown> }>('integration', DEAD_LETTERS, { filter: { stream: 'TELEMETRY' } });
    expect(telemetry.data!.deadLetters.totalCount).toBe(2);
    const invalid = await graph.query<{ deadLetters: Connection<DeadLetterNode> }>('integration', DEAD_LETTERS, { filter: { reasonCode: 'VALIDATION_FAILED' } });
    expect(invalid.data!.deadLetters.edges.map((edge) => edge.node.id)).toEqual([deadLetterIds[0]]);
    const replayed = await graph.query<{ deadLetters: Connection<DeadLetterNode> }>('integration', DEAD_LETTERS, { filter: { replayed: true } });
    expect(replayed.data!.deadLetters.edges.map((edge) => edge.node.id)).toEqual([deadLetterIds[2]]);
    const waiting = await graph.query<{ deadLetters: Connection<unknown> }>('integration', DEAD_LETTERS, { filter: { replayed: false } });
    expect(waiting.data!.deadLetters.totalCount).toBe(2);
    const recent = await graph.query<{ deadLetters: Connection<unknown> }>('integration', DEAD_LETTERS, { filter: { since: at(101).toISOString() } });
    expect(recent.data!.deadLetters.totalCount).toBe(2);
  });

  it('integration - lists integration exceptions newest first, with filters', async () => {
    type ExceptionNode = { id: string; kind: string; posting: { status: string } | null; deadLetter: { reasonCode: string } | null };
    const all = await graph.query<{ integrationExceptions: Connection<ExceptionNode> }>('integration', EXCEPTIONS, {});
    expect(all.data!.integrationExceptions.edges.map((edge) => edge.node.kind)).toEqual(['MASTER_DATA_MISSING', 'DEAD_LETTER', 'POSTING_DEAD', 'POSTING_REJECTED']);
    expect(all.data!.integrationExceptions.edges[1]!.node.deadLetter).toEqual({ id: deadLetterIds[0], reasonCode: 'VALIDATION_FAILED' });
    expect(all.data!.integrationExceptions.edges[2]!.node.posting).toMatchObject({ status: 'DEAD' });
    const open = await graph.query<{ integrationExceptions: Connection<ExceptionNode> }>('integration', EXCEPTIONS, { filter: { resolved: false } });
    expect(open.data!.integrationExceptions.totalCount).toBe(3);
    const resolved = await graph.query<{ integrationExceptions: Connection<ExceptionNode> }>('integration', EXCEPTIONS, { filter: { resolved: true } });
    expect(resolved.data!.integrationExceptions.edges.map((edge) => edge.node.kind)).toEqual(['POSTING_DEAD']);
    const postingProblems = await graph.query<{ integrationExceptions: Connection<ExceptionNode> }>('integration', EXCEPTIONS, { filter: { kind: ['POSTING_REJECTED', 'POSTING_DEAD'] } });
    expect(postingProblems.data!.integrationExceptions.totalCount).toBe(2);
    const ofPosting = await graph.query<{ integrationExceptions: Connection<ExceptionNode> }>('integration', EXCEPTIONS, { filter: { postingId: failedPostingId } });
    expect(ofPosting.data!.integrationExceptions.edges.map((edge) => edge.node.id)).toEqual([rejectedExceptionId]);
    const recent = await graph.query<{ integrationExceptions: Connection<ExceptionNode> }>('integration', EXCEPTIONS, { filter: { since: at(302).toISOString() } });
    expect(recent.data!.integrationExceptions.totalCount).toBe(2);
  });

  it('integration - the statement count of a page does not grow with its size', async () => {
    for (const [query, name] of [[POSTINGS_PAGE, 'postings'], [EXCEPTIONS, 'exceptions'], [DEAD_LETTERS, 'dead letters']] as const) {
      // Filters that keep the same relations to load on every page, whatever its size.
      const filter = { postings: { status: ['FAILED', 'DEAD'] }, exceptions: { kind: ['POSTING_REJECTED', 'POSTING_DEAD'] }, 'dead letters': undefined }[name];
      const one = await countStatements(graph.database, async () => expect((await graph.query('integration', query, { first: 1, filter })).errors).toBeUndefined());
      const many = await countStatements(graph.database, async () => expect((await graph.query('integration', query, { first: 50, filter })).errors).toBeUndefined());
      expect({ name, statements: many }).toEqual({ name, statements: one });
    }
  });

  it('integration - resolves entity references in batches', async () => {
    const QUERY = `query($representations: [_Any!]!) { _entities(representations: $representations) {
      ... on ErpPosting { id status exceptions { kind } }
      ... on DeadLetter { id reasonCode exceptions { kind } }
      ... on IntegrationException { id kind posting { id } }
    } }`;
    const postingIds = (await graph.database.prisma.erpPosting.findMany({ orderBy: { createdAt: 'asc' }, select: { id: true } })).map((row) => row.id);
    const representations = [
      ...postingIds.map((id) => ({ __typename: 'ErpPosting', id })),
      ...deadLetterIds.map((id) => ({ __typename: 'DeadLetter', id })),
      { __typename: 'IntegrationException', id: rejectedExceptionId },
      { __typename: 'ErpPosting', id: randomUUID() },
    ];
    const response = await graph.query<{ _entities: ({ id: string; exceptions?: { kind: string }[] } | null)[] }>('integration', QUERY, { representations });
    expect(response.errors).toBeUndefined();
    const entities = response.data!._entities;
    expect(entities.slice(0, 18).map((entity) => entity!.id)).toEqual(postingIds);
    expect(entities.find((entity) => entity?.id === failedPostingId)).toMatchObject({ status: 'FAILED', exceptions: [{ kind: 'POSTING_REJECTED' }] });
    expect(entities[18]).toMatchObject({ id: deadLetterIds[0], reasonCode: 'VALIDATION_FAILED', exceptions: [{ kind: 'DEAD_LETTER' }] });
    expect(entities.slice(-2)).toEqual([{ id: rejectedExceptionId, kind: 'POSTING_REJECTED', posting: { id: failedPostingId } }, null]);

    // One of each kind; the exception's posting is among them, as it is in the full batch (loader cache).
    const few = [representations[postingIds.indexOf(failedPostingId)]!, representations[18]!, representations[21]!];
    const one = await countStatements(graph.database, () => graph.query('integration', QUERY, { representations: few }));
    const many = await countStatements(graph.database, () => graph.query('integration', QUERY, { representations }));
    expect(many).toBe(one);
  });

  it('integration - bad input gives codes, not stack traces', async () => {
    const responses = [
      await graph.query('integration', POSTINGS_PAGE, { first: 0 }),
      await graph.query('integration', POSTINGS_PAGE, { after: 'bogus' }),
      await graph.query('integration', EXCEPTIONS, { filter: { postingId: '42' } }),
      await graph.query('integration', POSTINGS_PAGE, { filter: { since: 'yesterday' } }),
    ];
    for (const response of responses) {
      expect(response.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
    }
    expect(responses[2]!.errors?.[0]?.extensions).toMatchObject({ fields: [{ field: 'filter.postingId' }] });
  });

  it('integration - a call without the gateway signature is refused', async () => {
    const response = await graph.query('integration', POSTINGS_PAGE, {}, null);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  async function postings(filter: Record<string, unknown>): Promise<PostingNode[]> {
    const response = await graph.query<{ erpPostings: Connection<PostingNode> }>('integration', POSTINGS_PAGE, { first: 100, filter });
    expect(response.errors).toBeUndefined();
    return response.data!.erpPostings.edges.map((edge) => edge.node);
  }
});
