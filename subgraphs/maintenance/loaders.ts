// Per-request DataLoaders: every related-row lookup of a list query becomes one statement per kind
// of relation, however many alarms, requests, lines or work cells the page holds.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../core/db.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { rowsByKey, rowsGroupedByKey } from '../../core/graphql/batching.ts';
import { Prisma, type Alarm, type MaintenanceRequest, type MaintenanceRequestStatus } from '../../prisma/generated/client.ts';
import { toSparePartRequest, type AlarmRecord, type MaintenanceRequestRecord, type SparePartRequestRecord } from './service.ts';

/** How many alarms and requests `openAlarms` and `maintenanceRequests` show per line or work cell. */
export const RECENT_PER_ASSET = 50;

/** A line with its work cells, or a work cell alone: the assets whose alarms and requests one field lists. */
export interface AssetGroup {
  id: string;
  assetIds: string[];
}

export interface MaintenanceLoaders {
  alarmById: DataLoader<string, AlarmRecord | null>;
  maintenanceRequestById: DataLoader<string, MaintenanceRequestRecord | null>;
  maintenanceRequestsByAlarmId: DataLoader<string, MaintenanceRequestRecord[]>;
  sparePartRequestsByRequestId: DataLoader<string, SparePartRequestRecord[]>;
  /** The newest open alarms of each group. */
  openAlarmsByAssetGroup: DataLoader<AssetGroup, AlarmRecord[], string>;
  /** The newest requests of each group in the given statuses (all when none), one loader per status set. */
  maintenanceRequestsByAssetGroup(statuses: MaintenanceRequestStatus[] | null | undefined): DataLoader<AssetGroup, MaintenanceRequestRecord[], string>;
}

export function createMaintenanceLoaders(prisma: PrismaClient, _caller: Caller): MaintenanceLoaders {
  const requestsByStatuses = new Map<string, DataLoader<AssetGroup, MaintenanceRequestRecord[], string>>();
  return {
    alarmById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.alarm.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    maintenanceRequestById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.maintenanceRequest.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    maintenanceRequestsByAlarmId: new DataLoader(async (alarmIds) =>
      rowsGroupedByKey(alarmIds, await prisma.maintenanceRequest.findMany({ where: { sourceAlarmId: { in: [...alarmIds] } }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }), (row) => row.sourceAlarmId),
    ),
    sparePartRequestsByRequestId: new DataLoader(async (requestIds) => {
      const rows = await prisma.sparePartRequest.findMany({ where: { requestId: { in: [...requestIds] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      return rowsGroupedByKey(requestIds, rows.map(toSparePartRequest), (row) => row.requestId);
    }),
    openAlarmsByAssetGroup: new DataLoader(
      async (groups) => {
        const rows = await prisma.$queryRaw<(Alarm & { groupIndex: number })[]>(Prisma.sql`
          SELECT ${ALARM_COLUMNS}, group_index AS "groupIndex"
            FROM (SELECT a.*, g.group_index, row_number() OVER (PARTITION BY g.group_index ORDER BY a.raised_at DESC, a.id) AS rank
                    FROM maintenance.alarm a JOIN ${assetGroupTable(groups)} ON a.asset_id = g.asset_id
                   WHERE a.cleared_at IS NULL) ranked
           WHERE rank <= ${RECENT_PER_ASSET}
           ORDER BY raised_at DESC, id`);
        return ungroup(groups, rows);
      },
      { cacheKeyFn: groupKey },
    ),
    maintenanceRequestsByAssetGroup(statuses) {
      const key = JSON.stringify([...(statuses ?? [])].sort());
      let loader = requestsByStatuses.get(key);
      if (!loader) requestsByStatuses.set(key, (loader = requestsByAssetGroupLoader(prisma, statuses?.length ? statuses : null)));
      return loader;
    },
  };
}

const ALARM_COLUMNS = Prisma.sql`id, asset_kind::text AS "assetKind", asset_id AS "assetId", tag_id AS "tagId", code, message,
  severity::text AS severity, raised_at AS "raisedAt", cleared_at AS "clearedAt", acknowledged_at AS "acknowledgedAt",
  acknowledged_by AS "acknowledgedBy", source_event_id AS "sourceEventId", created_at AS "createdAt", updated_at AS "updatedAt"`;

const REQUEST_COLUMNS = Prisma.sql`id, asset_kind::text AS "assetKind", asset_id AS "assetId", priority::text AS priority,
  status::text AS status, reason, description, downtime_start_at AS "downtimeStartAt", downtime_end_at AS "downtimeEndAt",
  source_alarm_id AS "sourceAlarmId", idempotency_key AS "idempotencyKey",
  completed_at AS "completedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The same line with other work cells (a direct call without them) is another group. */
const groupKey = (group: AssetGroup) => `${group.id}:${group.assetIds.join(',')}`;

/**
 * The batch's groups as a table g(group_index, asset_id), one row per member asset; groups are
 * numbered by their place in the batch, since one asset can be in several (a line's and its own).
 */
function assetGroupTable(groups: readonly AssetGroup[]): Prisma.Sql {
  const members = groups.flatMap((group, index) => group.assetIds.map((assetId) => [index, assetId] as const));
  return Prisma.sql`unnest(${members.map(([index]) => index)}::int[], ${members.map(([, assetId]) => assetId)}::uuid[]) AS g(group_index, asset_id)`;
}

function ungroup<T extends { groupIndex: number }>(groups: readonly AssetGroup[], rows: T[]): Omit<T, 'groupIndex'>[][] {
  return rowsGroupedByKey(
    groups.map((_, index) => index),
    rows,
    (row) => row.groupIndex,
  ).map((groupRows) => groupRows.map(({ groupIndex: _groupIndex, ...row }) => row));
}

// The newest N per group in one statement (a window function; Prisma's findMany cannot limit per group).
function requestsByAssetGroupLoader(prisma: PrismaClient, statuses: MaintenanceRequestStatus[] | null): DataLoader<AssetGroup, MaintenanceRequestRecord[], string> {
  return new DataLoader(
    async (groups) => {
      const rows = await prisma.$queryRaw<(MaintenanceRequest & { groupIndex: number })[]>(Prisma.sql`
        SELECT ${REQUEST_COLUMNS}, group_index AS "groupIndex"
          FROM (SELECT r.*, g.group_index, row_number() OVER (PARTITION BY g.group_index ORDER BY r.created_at DESC, r.id) AS rank
                  FROM maintenance.maintenance_request r JOIN ${assetGroupTable(groups)} ON r.asset_id = g.asset_id
                 ${statuses ? Prisma.sql`WHERE r.status::text = ANY(${statuses}::text[])` : Prisma.empty}) ranked
         WHERE rank <= ${RECENT_PER_ASSET}
         ORDER BY created_at DESC, id`);
      return ungroup(groups, rows);
    },
    { cacheKeyFn: groupKey },
  );
}
