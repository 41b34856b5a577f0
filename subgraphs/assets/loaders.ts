// Per-request DataLoaders: every related-row lookup of a list query becomes one statement per kind
// of relation, however many sites, lines or work cells the page holds.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../core/db.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { rowsByKey, rowsGroupedByKey } from '../../core/graphql/batching.ts';
import { pageOf, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { Prisma, type EquipmentState } from '../../prisma/generated/client.ts';
import {
  overlapping,
  visibleAreas,
  visibleAssetIds,
  visibleLines,
  visibleSites,
  visibleWorkCells,
  type AreaRecord,
  type EquipmentStateRecord,
  type LineRecord,
  type SiteRecord,
  type StateWindow,
  type TagRecord,
  type WorkCellRecord,
} from './service.ts';
import { createTelemetryLoaders, type TelemetryLoaders } from './telemetry-loaders.ts';

export type StateHistoryArguments = StateWindow & PageArguments;

export interface AssetsLoaders extends TelemetryLoaders {
  siteById: DataLoader<string, SiteRecord | null>;
  areaById: DataLoader<string, AreaRecord | null>;
  lineById: DataLoader<string, LineRecord | null>;
  workCellById: DataLoader<string, WorkCellRecord | null>;
  tagById: DataLoader<string, TagRecord | null>;
  areasBySiteId: DataLoader<string, AreaRecord[]>;
  linesBySiteId: DataLoader<string, LineRecord[]>;
  linesByAreaId: DataLoader<string, LineRecord[]>;
  workCellsByLineId: DataLoader<string, WorkCellRecord[]>;
  workCellsByParentId: DataLoader<string, WorkCellRecord[]>;
  tagsByAssetId: DataLoader<string, TagRecord[]>;
  /** The open interval (endedAt null) per line or work cell; a partial unique index allows one. */
  currentStateByAssetId: DataLoader<string, EquipmentStateRecord | null>;
  /** A page of state intervals per asset, for one set of `stateHistory` arguments. */
  stateHistory(args: StateHistoryArguments): DataLoader<string, Connection<EquipmentStateRecord>>;
}

export function createAssetsLoaders(prisma: PrismaClient, caller: Caller): AssetsLoaders {
  const byCode = [{ code: 'asc' as const }, { id: 'asc' as const }];
  // One loader per distinct arguments: the lines of one list query all ask with the same ones.
  const stateHistories = new Map<string, DataLoader<string, Connection<EquipmentStateRecord>>>();
  return {
    ...createTelemetryLoaders(prisma),
    // Rows the caller may not see load as null, the same as rows that do not exist.
    siteById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.site.findMany({ where: { AND: [{ id: { in: [...ids] } }, visibleSites(caller)] } }), (row) => row.id)),
    areaById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.area.findMany({ where: { AND: [{ id: { in: [...ids] } }, visibleAreas(caller)] } }), (row) => row.id)),
    lineById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.line.findMany({ where: { AND: [{ id: { in: [...ids] } }, visibleLines(caller)] } }), (row) => row.id)),
    workCellById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.workCell.findMany({ where: { AND: [{ id: { in: [...ids] } }, visibleWorkCells(caller)] } }), (row) => row.id)),
    tagById: new DataLoader(async (ids) => {
      const rows = await prisma.tag.findMany({ where: { id: { in: [...ids] } } });
      const visible = rows.length > 0 ? await visibleAssetIds(prisma, caller) : null;
      return rowsByKey(ids, visible ? rows.filter((row) => visible.includes(row.assetId)) : rows, (row) => row.id);
    }),
    // Children of a visible parent are on the parent's site, so these need no site filter.
    areasBySiteId: new DataLoader(async (siteIds) => rowsGroupedByKey(siteIds, await prisma.area.findMany({ where: { siteId: { in: [...siteIds] } }, orderBy: byCode }), (row) => row.siteId)),
    linesBySiteId: new DataLoader(async (siteIds) => rowsGroupedByKey(siteIds, await prisma.line.findMany({ where: { siteId: { in: [...siteIds] } }, orderBy: byCode }), (row) => row.siteId)),
    linesByAreaId: new DataLoader(async (areaIds) => rowsGroupedByKey(areaIds, await prisma.line.findMany({ where: { areaId: { in: [...areaIds] } }, orderBy: byCode }), (row) => row.areaId)),
    workCellsByLineId: new DataLoader(async (lineIds) => rowsGroupedByKey(lineIds, await prisma.workCell.findMany({ where: { lineId: { in: [...lineIds] } }, orderBy: byCode }), (row) => row.lineId)),
    workCellsByParentId: new DataLoader(async (parentIds) =>
      rowsGroupedByKey(parentIds, await prisma.workCell.findMany({ where: { parentId: { in: [...parentIds] } }, orderBy: byCode }), (row) => row.parentId),
    ),
    tagsByAssetId: new DataLoader(async (assetIds) =>
      rowsGroupedByKey(assetIds, await prisma.tag.findMany({ where: { assetId: { in: [...assetIds] } }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }), (row) => row.assetId),
    ),
    currentStateByAssetId: new DataLoader(async (assetIds) => rowsByKey(assetIds, await prisma.equipmentState.findMany({ where: { assetId: { in: [...assetIds] }, endedAt: null } }), (row) => row.assetId)),
    stateHistory(args) {
      const key = JSON.stringify([args.from, args.to, args.first, args.after]);
      let loader = stateHistories.get(key);
      if (!loader) stateHistories.set(key, (loader = stateHistoryLoader(prisma, args)));
      return loader;
    },
  };
}

const STATE_COLUMNS = Prisma.sql`id, asset_kind::text AS "assetKind", asset_id AS "assetId", state::text AS state, started_at AS "startedAt",
  ended_at AS "endedAt", reason_code AS "reasonCode", reason_text AS "reasonText", source::text AS source,
  source_event_ids AS "sourceEventIds", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * One page per asset in one statement (a window function; Prisma's findMany cannot limit per group),
 * newest first like Query.equipmentStates, so cursors of either continue the same order. The
 * totalCount of every page is one grouped count, and only when selected.
 */
function stateHistoryLoader(prisma: PrismaClient, args: StateHistoryArguments): DataLoader<string, Connection<EquipmentStateRecord>> {
  const page = pageOf(args);
  const window = overlapping(args);
  const counts = new DataLoader<string, number>(async (assetIds) => {
    const groups = await prisma.equipmentState.groupBy({ by: ['assetId'], where: { assetId: { in: [...assetIds] }, ...window }, _count: { _all: true } });
    return rowsByKey(assetIds, groups, (group) => group.assetId).map((group) => group?._count._all ?? 0);
  });
  return new DataLoader(async (assetIds) => {
    const rows = await prisma.$queryRaw<EquipmentState[]>(Prisma.sql`
      SELECT ${STATE_COLUMNS}
        FROM (SELECT s.*, row_number() OVER (PARTITION BY asset_id ORDER BY started_at DESC, id) AS rank
                FROM assets.equipment_state s
               WHERE asset_id = ANY(${[...assetIds]}::uuid[])
                 ${args.to ? Prisma.sql`AND started_at < ${args.to}` : Prisma.empty}
                 ${args.from ? Prisma.sql`AND (ended_at IS NULL OR ended_at > ${args.from})` : Prisma.empty}
                 ${page.afterId ? Prisma.sql`AND EXISTS (SELECT 1 FROM assets.equipment_state c WHERE c.id = ${page.afterId}::uuid
                      AND (s.started_at < c.started_at OR (s.started_at = c.started_at AND s.id > c.id)))` : Prisma.empty}) ranked
       WHERE rank <= ${page.take}
       ORDER BY started_at DESC, id`);
    return rowsGroupedByKey(assetIds, rows, (row) => row.assetId).map((rowsOfAsset, index) => toConnection(rowsOfAsset, page, () => counts.load(assetIds[index]!)));
  });
}
