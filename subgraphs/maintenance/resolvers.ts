// GraphQL → service. Related rows go through the request's loaders; lines, work cells, tags and
// materials are entity stubs ({ __typename, id }) that the assets and inventory subgraphs resolve.
import { entityReference } from '../../core/graphql/references.ts';
import type { SubgraphContext } from '../../core/graphql/subgraph.ts';
import { scalarResolvers } from '../../core/graphql/scalars.ts';
import type { PageArguments } from '../../core/graphql/pagination.ts';
import { parseId, parseInput } from '../../core/graphql/input.ts';
import { NotFoundError } from '../../core/errors.ts';
import { requestSpareParts } from './commands.ts';
import type { AssetGroup, MaintenanceLoaders } from './loaders.ts';
import { listAlarms, listMaintenanceRequests, requestStatusesSchema, toSparePartRequest, type AlarmRecord, type MaintenanceRequestRecord, type SparePartRequestRecord } from './service.ts';

type Context = SubgraphContext<MaintenanceLoaders>;
type ListArguments = PageArguments & { filter?: unknown };
type StatusArguments = { status?: unknown };


/** Alarms and requests name their asset by kind and id; the GraphQL side has one field per kind. */
const assetFields = {
  line: (row: AlarmRecord | MaintenanceRequestRecord) => (row.assetKind === 'LINE' ? entityReference('Line', row.assetId) : null),
  workCell: (row: AlarmRecord | MaintenanceRequestRecord) => (row.assetKind === 'WORK_CELL' ? entityReference('WorkCell', row.assetId) : null),
};

/**
 * The gateway sends `workCells { id }` with a line (@requires), so a line's lists take in its work
 * cells; a representation without them (a direct call) lists the line's own rows only.
 */
const lineGroup = (line: { id: string; workCells?: { id: string }[] | null }): AssetGroup => ({ id: line.id, assetIds: [line.id, ...(line.workCells ?? []).map((cell) => cell.id)] });
const workCellGroup = (cell: { id: string }): AssetGroup => ({ id: cell.id, assetIds: [cell.id] });

function requestsOf(group: AssetGroup, args: StatusArguments, loaders: MaintenanceLoaders) {
  return loaders.maintenanceRequestsByAssetGroup(parseInput(requestStatusesSchema, args.status, 'status')).load(group);
}

export const maintenanceResolvers = {
  DateTime: scalarResolvers.DateTime,
  Query: {
    alarms: (_: unknown, args: ListArguments, { prisma }: Context) => listAlarms(prisma, args.filter, args),
    alarm: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.alarmById.load(parseId(id)),
    maintenanceRequests: (_: unknown, args: ListArguments, { prisma }: Context) => listMaintenanceRequests(prisma, args.filter, args),
    maintenanceRequest: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.maintenanceRequestById.load(parseId(id)),
  },
  Mutation: {
    requestSpareParts: async (_: unknown, { idempotencyKey, ...input }: { idempotencyKey: string } & Record<string, unknown>, { prisma, caller, loaders }: Context) => {
      const { maintenanceRequestId, sparePartRequestIds, replayed } = await requestSpareParts(prisma, caller, input, idempotencyKey);
      const maintenanceRequest = await loaders.maintenanceRequestById.load(maintenanceRequestId);
      if (!maintenanceRequest) throw new NotFoundError('maintenance request', maintenanceRequestId);
      // in the order the parts were given (one INSERT: they share createdAt)
      const rows = await prisma.sparePartRequest.findMany({ where: { id: { in: sparePartRequestIds } } });
      const sparePartRequests = rows.sort((a, b) => sparePartRequestIds.indexOf(a.id) - sparePartRequestIds.indexOf(b.id)).map(toSparePartRequest);
      return { maintenanceRequest, sparePartRequests, replayed };
    },
  },
  Alarm: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.alarmById.load(id),
    ...assetFields,
    open: (alarm: AlarmRecord) => alarm.clearedAt === null,
    tag: (alarm: AlarmRecord) => entityReference('Tag', alarm.tagId),
    maintenanceRequests: (alarm: AlarmRecord, _: unknown, { loaders }: Context) => loaders.maintenanceRequestsByAlarmId.load(alarm.id),
  },
  MaintenanceRequest: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.maintenanceRequestById.load(id),
    ...assetFields,
    sourceAlarm: (request: MaintenanceRequestRecord, _: unknown, { loaders }: Context) => (request.sourceAlarmId ? loaders.alarmById.load(request.sourceAlarmId) : null),
    sparePartRequests: (request: MaintenanceRequestRecord, _: unknown, { loaders }: Context) => loaders.sparePartRequestsByRequestId.load(request.id),
  },
  SparePartRequest: {
    material: (part: SparePartRequestRecord) => entityReference('Material', part.materialId),
  },
  Line: {
    openAlarms: (line: { id: string; workCells?: { id: string }[] }, _: unknown, { loaders }: Context) => loaders.openAlarmsByAssetGroup.load(lineGroup(line)),
    maintenanceRequests: (line: { id: string; workCells?: { id: string }[] }, args: StatusArguments, { loaders }: Context) => requestsOf(lineGroup(line), args, loaders),
  },
  WorkCell: {
    openAlarms: (cell: { id: string }, _: unknown, { loaders }: Context) => loaders.openAlarmsByAssetGroup.load(workCellGroup(cell)),
    maintenanceRequests: (cell: { id: string }, args: StatusArguments, { loaders }: Context) => requestsOf(workCellGroup(cell), args, loaders),
  },
};
