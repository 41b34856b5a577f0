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
import { ValidationError } from '../../core/errors.ts';

type Context = SubgraphContext<IntegrationLoaders>;
type ListArguments = PageArguments & { filter?: unknown };


export const integrationResolvers = {
  DateTime: scalarResolvers.DateTime,
  JSON: scalarResolvers.JSON,
  Query: {
    erpPostings: (_: unknown, args: ListArguments, { prisma }: Context) => listPostings(prisma, args.filter, args),
    erpPosting: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.postingById.load(parseId(id)),
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
