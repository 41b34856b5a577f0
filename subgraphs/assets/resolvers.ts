// GraphQL → service. Related rows go through the request's loaders; every entity of the hierarchy
// is ours, so references between them are loaded here; only a tag's quality characteristic is an
// entity stub ({ __typename, id }) that the quality subgraph resolves.
import type { SubgraphContext } from '../../core/graphql/subgraph.ts';
import { scalarResolvers } from '../../core/graphql/scalars.ts';
import type { PageArguments } from '../../core/graphql/pagination.ts';
import { parseId, parseInput } from '../../core/graphql/input.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { AssetsLoaders, StateHistoryArguments } from './loaders.ts';
import { upsertEquipment } from './equipment-sync.ts';
import type { OeeRequest, OeeResult, StateTimeline } from './telemetry-loaders.ts';
import { localDateSchema, oeeWindowSchema, readingHistory, timelineWindowSchema } from './telemetry.ts';
import {
  createLine,
  createSite,
  createWorkCell,
  listEquipmentStates,
  listLines,
  listSites,
  listWorkCells,
  stateWindowSchema,
  updateLine,
  updateSite,
  updateWorkCell,
  type AreaRecord,
  type EquipmentStateRecord,
  type LineRecord,
  type SiteRecord,
  type TagRecord,
  type WorkCellRecord,
} from './service.ts';

type Context = SubgraphContext<AssetsLoaders>;
type ListArguments = PageArguments & { filter?: unknown };
type CommandArguments = { id: string; input: unknown; idempotencyKey: string };

/** What a mutation returns: the entity as the caller sees it now, loaded after the command. */
async function loaded<T>(load: Promise<T | null>, what: string, id: string): Promise<T> {
  const entity = await load;
  if (!entity) throw new NotFoundError(what, id);
  return entity;
}

function stateHistory({ id }: { id: string }, args: StateHistoryArguments, { loaders }: Context) {
  const window = parseInput(stateWindowSchema, { from: args.from, to: args.to }, 'stateHistory');
  return loaders.stateHistory({ ...window, first: args.first, after: args.after }).load(id);
}

function latestReadings({ id }: { id: string }, args: { tags?: string[] | null }, { loaders }: Context) {
  return loaders.latestReadings(args.tags ?? null).load(id);
}

function stateTimeline({ id }: { id: string }, args: { from: Date; to: Date } & PageArguments, { loaders }: Context): Promise<StateTimeline> {
  const window = parseInput(timelineWindowSchema, { from: args.from, to: args.to }, 'stateTimeline');
  return loaders.stateTimeline({ ...window, first: args.first, after: args.after }).load(id);
}

function oeeOf(asset: OeeRequest['asset'], args: { from: Date; to: Date }, loaders: AssetsLoaders): Promise<OeeResult> {
  const window = parseInput(oeeWindowSchema, { from: args.from, to: args.to }, 'oee');
  return loaders.oee.load({ asset, window });
}

export const assetsResolvers = {
  DateTime: scalarResolvers.DateTime,
  Query: {
    sites: (_: unknown, args: PageArguments, { prisma, caller }: Context) => listSites(prisma, caller, args),
    site: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.siteById.load(parseId(id)),
    lines: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listLines(prisma, caller, args.filter, args),
    line: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.lineById.load(parseId(id)),
    workCells: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listWorkCells(prisma, caller, args.filter, args),
    workCell: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.workCellById.load(parseId(id)),
    equipmentStates: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listEquipmentStates(prisma, caller, args.filter, args),
    readingHistory: (_: unknown, args: Record<string, unknown>, { prisma, caller }: Context) => readingHistory(prisma, caller, args),
  },
  Mutation: {
    upsertEquipment: async (_: unknown, args: { input: unknown; idempotencyKey: string }, { prisma, caller, loaders }: Context) => {
      const { lineId, workCellId, created, replayed } = await upsertEquipment(prisma, caller, args.input, args.idempotencyKey);
      return {
        line: await loaded(loaders.lineById.load(lineId), 'line', lineId),
        workCell: workCellId ? await loaded(loaders.workCellById.load(workCellId), 'work cell', workCellId) : null,
        created,
        replayed,
      };
    },
    createSite: async (_: unknown, args: Omit<CommandArguments, 'id'>, { prisma, caller, loaders }: Context) => {
      const { id, replayed } = await createSite(prisma, caller, args.input, args.idempotencyKey);
      return { site: await loaded(loaders.siteById.load(id), 'site', id), replayed };
    },
    updateSite: async (_: unknown, args: CommandArguments, { prisma, caller, loaders }: Context) => {
      const { id, replayed } = await updateSite(prisma, caller, args.id, args.input, args.idempotencyKey);
      return { site: await loaded(loaders.siteById.load(id), 'site', id), replayed };
    },
    createLine: async (_: unknown, args: Omit<CommandArguments, 'id'>, { prisma, caller, loaders }: Context) => {
      const { id, replayed } = await createLine(prisma, caller, args.input, args.idempotencyKey);
      return { line: await loaded(loaders.lineById.load(id), 'line', id), replayed };
    },
    updateLine: async (_: unknown, args: CommandArguments, { prisma, caller, loaders }: Context) => {
      const { id, replayed } = await updateLine(prisma, caller, args.id, args.input, args.idempotencyKey);
      return { line: await loaded(loaders.lineById.load(id), 'line', id), replayed };
    },
    createWorkCell: async (_: unknown, args: Omit<CommandArguments, 'id'>, { prisma, caller, loaders }: Context) => {
      const { id, replayed } = await createWorkCell(prisma, caller, args.input, args.idempotencyKey);
      return { workCell: await loaded(loaders.workCellById.load(id), 'work cell', id), replayed };
    },
    updateWorkCell: async (_: unknown, args: CommandArguments, { prisma, caller, loaders }: Context) => {
      const { id, replayed } = await updateWorkCell(prisma, caller, args.id, args.input, args.idempotencyKey);
      return { workCell: await loaded(loaders.workCellById.load(id), 'work cell', id), replayed };
    },
  },
  Site: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.siteById.load(id),
    areas: (site: SiteRecord, _: unknown, { loaders }: Context) => loaders.areasBySiteId.load(site.id),
    lines: (site: SiteRecord, _: unknown, { loaders }: Context) => loaders.linesBySiteId.load(site.id),
    shiftWindows: (site: SiteRecord, { date }: { date: string }, { loaders }: Context) => loaders.shiftWindows(parseInput(localDateSchema, date, 'date')).load(site.id),
  },
  Area: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.areaById.load(id),
    site: (area: AreaRecord, _: unknown, { loaders }: Context) => loaders.siteById.load(area.siteId),
    lines: (area: AreaRecord, _: unknown, { loaders }: Context) => loaders.linesByAreaId.load(area.id),
  },
  Line: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.lineById.load(id),
    site: (line: LineRecord, _: unknown, { loaders }: Context) => loaders.siteById.load(line.siteId),
    area: (line: LineRecord, _: unknown, { loaders }: Context) => loaders.areaById.load(line.areaId),
    workCells: (line: LineRecord, _: unknown, { loaders }: Context) => loaders.workCellsByLineId.load(line.id),
    tags: (line: LineRecord, _: unknown, { loaders }: Context) => loaders.tagsByAssetId.load(line.id),
    currentState: (line: LineRecord, _: unknown, { loaders }: Context) => loaders.currentStateByAssetId.load(line.id),
    stateHistory,
    latestReadings,
    stateTimeline,
    oee: (line: LineRecord, args: { from: Date; to: Date }, { loaders }: Context) => oeeOf({ kind: 'LINE', record: line }, args, loaders),
    oeeByShift: async (line: LineRecord, { date }: { date: string }, { loaders }: Context) => {
      const shifts = await loaders.shiftWindows(parseInput(localDateSchema, date, 'date')).load(line.siteId);
      return Promise.all(shifts.map((shift) => loaders.oee.load({ asset: { kind: 'LINE', record: line }, window: { from: shift.from, to: shift.to }, shift })));
    },
  },
  WorkCell: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.workCellById.load(id),
    line: (cell: WorkCellRecord, _: unknown, { loaders }: Context) => loaders.lineById.load(cell.lineId),
    parent: (cell: WorkCellRecord, _: unknown, { loaders }: Context) => (cell.parentId ? loaders.workCellById.load(cell.parentId) : null),
    children: (cell: WorkCellRecord, _: unknown, { loaders }: Context) => loaders.workCellsByParentId.load(cell.id),
    tags: (cell: WorkCellRecord, _: unknown, { loaders }: Context) => loaders.tagsByAssetId.load(cell.id),
    currentState: (cell: WorkCellRecord, _: unknown, { loaders }: Context) => loaders.currentStateByAssetId.load(cell.id),
    stateHistory,
    latestReadings,
    stateTimeline,
    oee: (cell: WorkCellRecord, args: { from: Date; to: Date }, { loaders }: Context) => oeeOf({ kind: 'WORK_CELL', record: cell }, args, loaders),
  },
  Tag: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.tagById.load(id),
    line: (tag: TagRecord, _: unknown, { loaders }: Context) => (tag.assetKind === 'LINE' ? loaders.lineById.load(tag.assetId) : null),
    workCell: (tag: TagRecord, _: unknown, { loaders }: Context) => (tag.assetKind === 'WORK_CELL' ? loaders.workCellById.load(tag.assetId) : null),
    characteristic: (tag: TagRecord) => (tag.characteristicId ? { __typename: 'Characteristic', id: tag.characteristicId } : null),
  },
  Oee: {
    outputWorkCell: (oee: OeeResult, _: unknown, { loaders }: Context) => (oee.outputWorkCellId ? loaders.workCellById.load(oee.outputWorkCellId) : null),
  },
  EquipmentState: {
    durationSeconds: (state: EquipmentStateRecord) => ((state.endedAt ?? new Date()).getTime() - state.startedAt.getTime()) / 1000,
    line: (state: EquipmentStateRecord, _: unknown, { loaders }: Context) => (state.assetKind === 'LINE' ? loaders.lineById.load(state.assetId) : null),
    workCell: (state: EquipmentStateRecord, _: unknown, { loaders }: Context) => (state.assetKind === 'WORK_CELL' ? loaders.workCellById.load(state.assetId) : null),
  },
};
