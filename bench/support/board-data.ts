// Rows the benchmark's board query needs beyond the demo plant. The seed has 7 released orders,
// no equipment states and no alarms, so `productionOrders(first: 10)` would return a short page
// whose `currentState` is always null and whose `openAlarms` are always empty: the assets and
// maintenance subgraphs would answer without reading a row. This adds released orders (so the
// page is full and has a next page), an open and a closed state interval per line, and open and
// cleared alarms on lines and work cells, so every field of the query reads real rows.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../core/db.ts';

/** Orders added on top of the seed's: 7 + 5 = 12, more than one page of 10. */
export const EXTRA_ORDERS = 5;

export interface BoardData {
  orders: number;
  lines: number;
  openStates: number;
  openAlarms: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function addBoardData(prisma: PrismaClient): Promise<BoardData> {
  const seeded = await prisma.productionOrder.findMany({ orderBy: { erpOrderNumber: 'asc' } });
  if (seeded.length === 0) throw new Error('board data: the demo plant has no orders to copy');
  const now = Date.now();

  // Copies of seeded orders (same material, line, site, customer), due after all of them.
  await prisma.productionOrder.createMany({
    data: Array.from({ length: EXTRA_ORDERS }, (_, index) => {
      const model = seeded[index % seeded.length]!;
      return {
        erpOrderNumber: `900000${index + 1}`,
        materialId: model.materialId,
        quantity: 100 * (index + 1),
        unit: model.unit,
        lineId: model.lineId,
        siteId: model.siteId,
        customerId: model.customerId,
        status: 'RELEASED' as const,
        priority: 5,
        dueAt: new Date(now + (20 + index) * DAY_MS),
        releasedAt: new Date(now),
      };
    }),
  });

  const lines = await prisma.line.findMany({ orderBy: { code: 'asc' }, select: { id: true } });
  const workCells = await prisma.workCell.findMany({ orderBy: [{ lineId: 'asc' }, { code: 'asc' }], select: { id: true, lineId: true } });

  // Each line: a closed interval (so `endedAt IS NULL` has something to skip) and an open one.
  const states = ['RUNNING', 'IDLE', 'DOWN'] as const;
  await prisma.equipmentState.createMany({
    data: lines.flatMap((line, index) => [
      { assetKind: 'LINE' as const, assetId: line.id, state: 'CHANGEOVER' as const, startedAt: new Date(now - 3 * 60 * 60 * 1000), endedAt: new Date(now - 2 * 60 * 60 * 1000) },
      { assetKind: 'LINE' as const, assetId: line.id, state: states[index % states.length]!, startedAt: new Date(now - 2 * 60 * 60 * 1000) },
    ]),
  });

  // One open alarm on each line, one on the first work cell of each line, and a cleared one.
  const firstCells = lines.map((line) => workCells.find((cell) => cell.lineId === line.id)).filter((cell) => cell !== undefined);
  const severities = ['INFO', 'WARNING', 'CRITICAL'] as const;
  const open = [
    ...lines.map((line, index) => ({ assetKind: 'LINE' as const, assetId: line.id, code: `LINE_ALARM_${index + 1}`, severity: severities[index % severities.length]! })),
    ...firstCells.map((cell, index) => ({ assetKind: 'WORK_CELL' as const, assetId: cell.id, code: `CELL_ALARM_${index + 1}`, severity: severities[(index + 1) % severities.length]! })),
  ];
  await prisma.alarm.createMany({
    data: [
      ...open.map((alarm, index) => ({ ...alarm, message: `benchmark alarm ${alarm.code}`, raisedAt: new Date(now - (index + 1) * 60_000), sourceEventId: randomUUID() })),
      ...lines.map((line) => ({ assetKind: 'LINE' as const, assetId: line.id, code: 'CLEARED', message: 'cleared benchmark alarm', severity: 'INFO' as const, raisedAt: new Date(now - DAY_MS), clearedAt: new Date(now - DAY_MS / 2), sourceEventId: randomUUID() })),
    ],
  });

  return { orders: seeded.length + EXTRA_ORDERS, lines: lines.length, openStates: lines.length, openAlarms: open.length };
}
