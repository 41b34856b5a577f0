// Canonical posting payloads (core/postings.ts) → the stand-in ERP's SAP-like documents. A real
// adapter has one of these per ERP; everything else in adapter.ts stays the same.
import { postingPayload, type ErpPostingKind } from '../../core/postings.ts';
import type { ErpEndpoint } from './stand-in-erp.ts';

export interface ErpRequest {
  endpoint: ErpEndpoint;
  body: Record<string, unknown>;
}

/** SAP's 12-digit order number, as in AUFNR. */
const orderId = (erpOrderNumber: string) => erpOrderNumber.padStart(12, '0');
/** SAP's inventory stock type of blocked stock (01 is unrestricted use, 02 quality inspection). */
const BLOCKED_STOCK = '07';
/** Routing steps are 4-digit operation numbers (VORNR): 10 → "0010". */
const operation = (sequence: number) => String(sequence).padStart(4, '0');

/** Throws ValidationError when the payload does not match its kind (a posting the ERP must not get). */
export function toErpRequest(kind: ErpPostingKind, rawPayload: unknown): ErpRequest {
  switch (kind) {
    case 'PRODUCTION_CONFIRMATION': {
      const p = postingPayload(kind, rawPayload);
      return {
        endpoint: '/sap/production-order-confirmations',
        body: {
          OrderID: orderId(p.erpOrderNumber),
          OrderOperation: operation(p.operationSequence),
          WorkCenter: p.erpWorkCenter,
          ConfirmationYieldQuantity: p.yieldQuantity,
          ConfirmationScrapQuantity: p.scrapQuantity,
          ConfirmationReworkQuantity: p.reworkQuantity,
          ConfirmationUnit: p.unit,
          // activities in seconds → minutes, as SAP's standard value keys usually are
          OpSetupDuration: round(p.setupSeconds / 60),
          OpProcessingDuration: round(p.runSeconds / 60),
          OpDurationUnit: 'MIN',
          ConfirmedExecutionStartDate: p.windowStart,
          ConfirmedExecutionEndDate: p.windowEnd,
          FinalConfirmationType: p.final ? 'X' : '',
        },
      };
    }
    case 'OPERATION_STATUS': {
      const p = postingPayload(kind, rawPayload);
      return {
        endpoint: '/sap/production-order-status',
        body: {
          OrderID: orderId(p.erpOrderNumber),
          OrderOperation: p.operationSequence === null ? null : operation(p.operationSequence),
          // SAP system statuses: partially confirmed, technically complete, …
          StatusCode: { STARTED: 'PCNF', STOPPED: 'PCNF', COMPLETED: 'CNF', ORDER_COMPLETED: 'TECO' }[p.status],
          StatusChangeDateTime: p.at,
        },
      };
    }
    case 'GOODS_ISSUE': {
      const p = postingPayload(kind, rawPayload);
      return materialDocument('03', {
        Material: p.materialNumber,
        GoodsMovementType: p.movementType,
        QuantityInEntryUnit: p.quantity,
        EntryUnit: p.unit,
        Batch: p.lotNumber,
        StorageLocation: p.locationCode,
        ManufacturingOrder: orderId(p.erpOrderNumber),
      });
    }
    case 'GOODS_RECEIPT': {
      const p = postingPayload(kind, rawPayload);
      return materialDocument('02', {
        Material: p.materialNumber,
        GoodsMovementType: p.movementType,
        QuantityInEntryUnit: p.quantity,
        EntryUnit: p.unit,
        Batch: p.lotNumber,
        StorageLocation: p.locationCode,
        ManufacturingOrder: orderId(p.erpOrderNumber),
        // a 101 into blocked stock: SAP's inventory stock type 07 (the goods movement BAPI's stock
        // type 'S'); left out for unrestricted-use stock, the default
        ...(p.stockType === 'BLOCKED' ? { InventoryStockType: BLOCKED_STOCK } : {}),
      });
    }
    case 'TRANSFER': {
      const p = postingPayload(kind, rawPayload);
      return materialDocument('04', {
        Material: p.materialNumber,
        GoodsMovementType: p.movementType,
        QuantityInEntryUnit: p.quantity,
        EntryUnit: p.unit,
        Batch: p.lotNumber,
        StorageLocation: p.fromLocationCode,
        IssuingOrReceivingStorageLoc: p.toLocationCode,
      });
    }
    case 'SCRAP': {
      const p = postingPayload(kind, rawPayload);
      return materialDocument('03', {
        Material: p.materialNumber,
        GoodsMovementType: p.movementType,
        QuantityInEntryUnit: p.quantity,
        EntryUnit: p.unit,
        Batch: p.lotNumber,
        StorageLocation: p.locationCode,
        ManufacturingOrder: p.erpOrderNumber ? orderId(p.erpOrderNumber) : null,
        GoodsMovementReasonText: p.reason,
      });
    }
    case 'MAINTENANCE_NOTIFICATION': {
      const p = postingPayload(kind, rawPayload);
      return {
        endpoint: '/sap/maintenance-notifications',
        body: {
          NotificationType: 'M2', // malfunction report
          NotificationText: p.reason.slice(0, 40),
          TechnicalObject: p.assetCode,
          MainWorkCenter: p.erpWorkCenter,
          MaintPriority: { EMERGENCY: '1', HIGH: '2', MEDIUM: '3', LOW: '4' }[p.priority],
          MaintNotifDamageCode: p.alarmCode,
          MalfunctionStartDateTime: p.downtimeStartAt,
          MalfunctionEndDateTime: p.downtimeEndAt,
          BreakdownIndicator: p.downtimeStartAt !== null,
          ExternalReference: p.maintenanceRequestId,
        },
      };
    }
    case 'INSPECTION_RESULT': {
      const p = postingPayload(kind, rawPayload);
      return {
        endpoint: '/sap/inspection-lot-usage-decisions',
        body: {
          InspectionLotExternalReference: p.inspectionLotId,
          ManufacturingOrder: p.erpOrderNumber ? orderId(p.erpOrderNumber) : null,
          InspLotUsageDecisionCode: p.decision === 'ACCEPTED' ? 'A' : 'R',
          Results: p.results.map((result) => ({ InspectionCharacteristic: result.characteristicCode, MeasuredValue: result.value, InspResultValuation: result.conforming ? 'A' : 'R' })),
        },
      };
    }
    case 'SHIPMENT_READINESS': {
      const p = postingPayload(kind, rawPayload);
      return {
        endpoint: '/sap/outbound-delivery-readiness',
        body: {
          ManufacturingOrder: orderId(p.erpOrderNumber),
          SoldToPartyReference: p.customerId,
          ActualDeliveryQuantity: p.quantity,
          DeliveryQuantityUnit: p.unit,
          HandlingUnitReferences: p.palletIds,
          ReadyDateTime: p.readyAt,
        },
      };
    }
  }
}

function materialDocument(goodsMovementCode: string, item: Record<string, unknown>): ErpRequest {
  return { endpoint: '/sap/material-documents', body: { GoodsMovementCode: goodsMovementCode, MaterialDocumentItems: [item] } };
}

const round = (value: number) => Math.round(value * 100) / 100;
