// GraphQL → service. Related rows go through the request's loaders; references to other domains
// are entity stubs ({ __typename, id }) that the owning subgraph resolves.
import { entityReference, loadOptional } from '../../core/graphql/references.ts';
import type { SubgraphContext } from '../../core/graphql/subgraph.ts';
import { scalarResolvers } from '../../core/graphql/scalars.ts';
import type { PageArguments } from '../../core/graphql/pagination.ts';
import { parseId } from '../../core/graphql/input.ts';
import type { ErpPosting, IntegrationException } from '../../prisma/generated/client.ts';
import type { IntegrationLoaders } from './loaders.ts';
import { listCommands, listDeadLetters, listExceptions, listPostings, replayDeadLetterIds, type DeadLetterRecord } from './service.ts';
import { acknowledgePosting, acknowledgePostings, claimPostings, rejectPosting } from './outbox.ts';
import { readIntegrationHealth } from './health.ts';
import { derivationOf, postingsFedBy, readingsOf, type TraceEventRecord, type TraceRoot } from './trace.ts';
import { ValidationError } from '../../core/errors.ts';

type Context = SubgraphContext<IntegrationLoaders>;
type ListArguments = PageArguments & { filter?: unknown };

const isEvent = (value: TraceEventRecord | null | Error | undefined): value is TraceEventRecord => value !== null && value !== undefined && !(value instanceof Error);

async function sourceEvents(posting: ErpPosting, loaders: IntegrationLoaders): Promise<TraceEventRecord[]> {
  return (await loaders.eventById.loadMany(posting.sourceEventIds)).filter(isEvent);
}

const sortEvents = (events: TraceEventRecord[]) => [...events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id));

export const integrationResolvers = {
  DateTime: scalarResolvers.DateTime,
  JSON: scalarResolvers.JSON,
  Query: {
    erpPostings: (_: unknown, args: ListArguments, { prisma }: Context) => listPostings(prisma, args.filter, args),
    erpPosting: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.postingById.load(parseId(id)),
    postingsFedBy: (_: unknown, args: PageArguments & { readingId?: string | null; eventId?: string | null }, { prisma }: Context) => postingsFedBy(prisma, args),
    inboundCommands: (_: unknown, args: ListArguments, { prisma }: Context) => listCommands(prisma, args.filter, args),
    deadLetters: (_: unknown, args: ListArguments, { prisma }: Context) => listDeadLetters(prisma, args.filter, args),
    integrationExceptions: (_: unknown, args: ListArguments, { prisma }: Context) => listExceptions(prisma, args.filter, args),
    integrationHealth: (_: unknown, { delayedAfterSeconds }: { delayedAfterSeconds: number }, { prisma }: Context) => {
      if (!(delayedAfterSeconds > 0)) throw new ValidationError('delayedAfterSeconds must be positive', { details: { argument: 'delayedAfterSeconds' } });
      return readIntegrationHealth(prisma, delayedAfterSeconds);
    },
  },
  Mutation: {
    claimErpPostings: (_: unknown, args: { kinds?: string[] | null; limit: number; leaseSeconds: number }, { prisma, caller }: Context) =>
      claimPostings(prisma, caller, args),
    acknowledgeErpPosting: (_: unknown, { id, erpDocumentId }: { id: string; erpDocumentId: string }, { prisma, caller }: Context) =>
      acknowledgePosting(prisma, caller, parseId(id), erpDocumentId),
    acknowledgeErpPostings: (_: unknown, { acknowledgements }: { acknowledgements: unknown }, { prisma, caller }: Context) =>
      acknowledgePostings(prisma, caller, acknowledgements),
    rejectErpPosting: (_: unknown, { id, ...args }: { id: string; reason: string; retryable: boolean }, { prisma, caller }: Context) =>
      rejectPosting(prisma, caller, parseId(id), args),
    replayDeadLetters: (_: unknown, { ids }: { ids: string[] }, { prisma, bus }: Context) => replayDeadLetterIds(prisma, bus, ids),
  },
  ErpPosting: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.postingById.load(id),
    order: (posting: ErpPosting) => entityReference('ProductionOrder', posting.orderId),
    operation: (posting: ErpPosting) => entityReference('Operation', posting.operationId),
    lot: (posting: ErpPosting) => entityReference('MaterialLot', posting.lotId),
    maintenanceRequest: (posting: ErpPosting) => entityReference('MaintenanceRequest', posting.maintenanceRequestId),
    inspectionLot: (posting: ErpPosting) => entityReference('InspectionLot', posting.inspectionLotId),
    exceptions: (posting: ErpPosting, _: unknown, { loaders }: Context) => loaders.exceptionsByPostingId.load(posting.id),
    trace: (posting: ErpPosting): TraceRoot => ({ posting }),
  },
  ErpPostingTrace: {
    document: ({ posting }: TraceRoot) => (posting.erpDocumentId ? { erpDocumentId: posting.erpDocumentId, confirmedAt: posting.confirmedAt } : null),
    derivation: async ({ posting }: TraceRoot, _: unknown, { loaders }: Context) => derivationOf(posting, await loaders.windowByPostingId.load(posting.id)),
    events: async ({ posting }: TraceRoot, _: unknown, { loaders }: Context) => sortEvents(await sourceEvents(posting, loaders)),
    unresolvedSourceEventIds: async ({ posting }: TraceRoot, _: unknown, { loaders }: Context) => {
      const events = await loaders.eventById.loadMany(posting.sourceEventIds);
      return posting.sourceEventIds.filter((_id, index) => !isEvent(events[index]));
    },
    readings: async ({ posting }: TraceRoot, args: PageArguments, { prisma, loaders }: Context) => {
      const [window, events] = await Promise.all([loaders.windowByPostingId.load(posting.id), sourceEvents(posting, loaders)]);
      return readingsOf(prisma, window, events.flatMap((event) => (event.readingId ? [event.readingId] : [])), args);
    },
  },
  MaintenanceRequest: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    erpNotificationNumber: ({ id }: { id: string }, _: unknown, { loaders }: Context) => loaders.notificationNumberByRequestId.load(id),
  },
  ErpPostingDerivation: {
    __resolveType: (derivation: { __typename: string }) => derivation.__typename,
  },
  DeadLetter: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.deadLetterById.load(id),
    exceptions: (deadLetter: DeadLetterRecord, _: unknown, { loaders }: Context) => loaders.exceptionsByDeadLetterId.load(deadLetter.id),
  },
  IntegrationException: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.exceptionById.load(id),
    posting: (exception: IntegrationException, _: unknown, { loaders }: Context) => loadOptional(exception.postingId, (id) => loaders.postingById.load(id)),
    deadLetter: (exception: IntegrationException, _: unknown, { loaders }: Context) => loadOptional(exception.deadLetterId, (id) => loaders.deadLetterById.load(id)),
  },
};
