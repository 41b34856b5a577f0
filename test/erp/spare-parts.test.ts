// requestSpareParts through the gateway: spare parts attached to a maintenance request, once per
// idempotency key, with clear errors for closed requests, unknown materials and other roles.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';

const REQUEST_PARTS = `mutation($request: ID!, $parts: [SparePartInput!]!, $key: String!) {
  requestSpareParts(maintenanceRequestId: $request, parts: $parts, idempotencyKey: $key) {
    replayed
    maintenanceRequest { id reason sparePartRequests { id quantity unit status material { id erpMaterialNumber } } }
    sparePartRequests { id quantity unit status }
  }
}`;

type Payload = {
  requestSpareParts: {
    replayed: boolean;
    maintenanceRequest: { id: string; sparePartRequests: { id: string; quantity: number; unit: string; status: string; material: { id: string; erpMaterialNumber: string } }[] };
    sparePartRequests: { id: string; quantity: number; unit: string; status: string }[];
  };
};

describe('requestSpareParts', () => {
  let hub: HubUnderTest;
  let openRequest: string;
  let doneRequest: string;
  let materials: { id: string; base_unit: string; erp_material_number: string }[];
  const asMaintenance = { role: 'maintenance' as const };

  beforeAll(async () => {
    hub = await startHubUnderTest('spare_parts');
    const { pool } = hub.database;
    const { rows: cells } = await pool.query<{ id: string }>(`SELECT id FROM assets.work_cell WHERE code = 'OP10'`);
    const insert = (status: string) =>
      pool.query<{ id: string }>(`INSERT INTO maintenance.maintenance_request (asset_kind, asset_id, priority, status, reason) VALUES ('WORK_CELL', $1, 'HIGH', $2, 'spindle bearing') RETURNING id`, [cells[0]!.id, status]);
    openRequest = (await insert('OPEN')).rows[0]!.id;
    doneRequest = (await insert('DONE')).rows[0]!.id;
    materials = (await pool.query<{ id: string; base_unit: string; erp_material_number: string }>(`SELECT id, base_unit, erp_material_number FROM inventory.material ORDER BY erp_material_number LIMIT 2`)).rows;
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('spare parts - attaches parts (unit defaults to the base unit) once per idempotency key', async () => {
    const key = `spares-${randomUUID()}`;
    const parts = [{ materialId: materials[0]!.id, quantity: 2 }, { materialId: materials[1]!.id, quantity: 0.5, unit: 'KG' }];
    const first = await hub.query<Payload>(REQUEST_PARTS, { request: openRequest, parts, key }, asMaintenance);
    expect(first.errors).toBeUndefined();
    const created = first.data!.requestSpareParts;
    expect(created.replayed).toBe(false);
    expect(created.sparePartRequests.map(({ quantity, unit, status }) => ({ quantity, unit, status }))).toEqual([
      { quantity: 2, unit: materials[0]!.base_unit, status: 'REQUESTED' },
      { quantity: 0.5, unit: 'KG', status: 'REQUESTED' },
    ]);
    // the material comes from the inventory subgraph
    expect(created.maintenanceRequest.sparePartRequests.map((part) => part.material.erpMaterialNumber).sort()).toEqual(materials.map((material) => material.erp_material_number).sort());

    const again = await hub.query<Payload>(REQUEST_PARTS, { request: openRequest, parts, key }, asMaintenance);
    expect(again.data!.requestSpareParts).toEqual({ ...created, replayed: true });
    const conflict = await hub.query(REQUEST_PARTS, { request: openRequest, parts: [{ materialId: materials[0]!.id, quantity: 3 }], key }, asMaintenance);
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    const { rows } = await hub.database.pool.query(`SELECT count(*)::int AS n FROM maintenance.spare_part_request WHERE request_id = $1`, [openRequest]);
    expect(rows[0]!.n).toBe(2);
  });

  it('spare parts - a closed request, an unknown material, a bad quantity and a viewer are refused with a code', async () => {
    const part = [{ materialId: materials[0]!.id, quantity: 1 }];
    const closed = await hub.query(REQUEST_PARTS, { request: doneRequest, parts: part, key: `spares-${randomUUID()}` }, asMaintenance);
    expect(closed.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');
    const unknown = await hub.query(REQUEST_PARTS, { request: openRequest, parts: [{ materialId: randomUUID(), quantity: 1 }], key: `spares-${randomUUID()}` }, asMaintenance);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const negative = await hub.query(REQUEST_PARTS, { request: openRequest, parts: [{ materialId: materials[0]!.id, quantity: -1 }], key: `spares-${randomUUID()}` }, asMaintenance);
    expect(negative.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const viewer = await hub.query(REQUEST_PARTS, { request: openRequest, parts: part, key: `spares-${randomUUID()}` }, { role: 'viewer' });
    expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
