-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "assets";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "integration";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "inventory";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "maintenance";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "orders";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "quality";

-- CreateEnum
CREATE TYPE "assets"."asset_kind" AS ENUM ('LINE', 'WORK_CELL');

-- CreateEnum
CREATE TYPE "assets"."tag_kind" AS ENUM ('COUNTER_GOOD', 'COUNTER_SCRAP', 'COUNTER_REWORK', 'COUNTER', 'STATE', 'ALARM', 'TEMPERATURE', 'PRESSURE', 'SPEED', 'VIBRATION', 'POWER', 'WEIGHT', 'VISCOSITY', 'FLOW', 'LEVEL', 'PH', 'TORQUE', 'OTHER');

-- CreateEnum
CREATE TYPE "assets"."operating_state" AS ENUM ('RUNNING', 'IDLE', 'DOWN', 'PLANNED_STOP', 'CHANGEOVER');

-- CreateEnum
CREATE TYPE "assets"."state_source" AS ENUM ('DETECTED', 'OPERATOR', 'SCHEDULE', 'IMPORT');

-- CreateEnum
CREATE TYPE "orders"."production_order_status" AS ENUM ('CREATED', 'RELEASED', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "orders"."operation_status" AS ENUM ('CREATED', 'RELEASED', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "orders"."shipment_readiness_status" AS ENUM ('PENDING', 'READY', 'NOTIFIED', 'SHIPPED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "inventory"."material_type" AS ENUM ('FINISHED', 'SEMI_FINISHED', 'RAW', 'PACKAGING');

-- CreateEnum
CREATE TYPE "inventory"."location_type" AS ENUM ('WAREHOUSE', 'LINE_SIDE', 'QUARANTINE', 'SHIPPING');

-- CreateEnum
CREATE TYPE "inventory"."material_lot_status" AS ENUM ('AVAILABLE', 'BLOCKED', 'QUARANTINE', 'CONSUMED');

-- CreateEnum
CREATE TYPE "inventory"."movement_kind" AS ENUM ('CONSUME', 'PRODUCE', 'TRANSFER', 'SCRAP');

-- CreateEnum
CREATE TYPE "inventory"."pallet_status" AS ENUM ('OPEN', 'COMPLETE', 'SHIPPED');

-- CreateEnum
CREATE TYPE "inventory"."asn_direction" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "inventory"."asn_status" AS ENUM ('DRAFT', 'SENT', 'RECEIVED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "quality"."inspection_origin" AS ENUM ('THRESHOLD', 'SCHEDULED', 'MANUAL');

-- CreateEnum
CREATE TYPE "quality"."inspection_lot_status" AS ENUM ('OPEN', 'IN_INSPECTION', 'DECIDED');

-- CreateEnum
CREATE TYPE "quality"."inspection_decision" AS ENUM ('ACCEPTED', 'REJECTED');

-- CreateEnum
CREATE TYPE "quality"."nonconformance_disposition" AS ENUM ('SCRAP', 'REWORK', 'USE_AS_IS');

-- CreateEnum
CREATE TYPE "quality"."nonconformance_status" AS ENUM ('OPEN', 'IN_REVIEW', 'CLOSED');

-- CreateEnum
CREATE TYPE "maintenance"."asset_kind" AS ENUM ('LINE', 'WORK_CELL');

-- CreateEnum
CREATE TYPE "maintenance"."alarm_severity" AS ENUM ('INFO', 'WARNING', 'CRITICAL');

-- CreateEnum
CREATE TYPE "maintenance"."maintenance_priority" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'EMERGENCY');

-- CreateEnum
CREATE TYPE "maintenance"."maintenance_request_status" AS ENUM ('OPEN', 'IN_PROGRESS', 'DONE', 'CANCELLED');

-- CreateEnum
CREATE TYPE "maintenance"."spare_part_request_status" AS ENUM ('REQUESTED', 'RESERVED', 'ISSUED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "integration"."erp_posting_kind" AS ENUM ('PRODUCTION_CONFIRMATION', 'OPERATION_STATUS', 'GOODS_ISSUE', 'GOODS_RECEIPT', 'TRANSFER', 'SCRAP', 'MAINTENANCE_NOTIFICATION', 'INSPECTION_RESULT', 'SHIPMENT_READINESS');

-- CreateEnum
CREATE TYPE "integration"."erp_posting_status" AS ENUM ('PENDING', 'IN_FLIGHT', 'CONFIRMED', 'FAILED', 'DEAD');

-- CreateEnum
CREATE TYPE "integration"."inbound_command_status" AS ENUM ('IN_PROGRESS', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "integration"."integration_exception_kind" AS ENUM ('POSTING_REJECTED', 'POSTING_DEAD', 'MASTER_DATA_MISSING', 'DEAD_LETTER', 'COMMAND_FAILED', 'OTHER');

-- CreateTable
CREATE TABLE "assets"."enterprise" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "erp_company_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enterprise_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."site" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "enterprise_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "country_code" TEXT,
    "erp_plant_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "site_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."area" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "site_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "area_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."line" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "site_id" UUID NOT NULL,
    "area_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "erp_work_center" TEXT,
    "ideal_cycle_seconds" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."work_cell" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "line_id" UUID NOT NULL,
    "parent_id" UUID,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "equipment_class" TEXT,
    "erp_work_center" TEXT,
    "ideal_cycle_seconds" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "work_cell_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."device" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "identity" TEXT NOT NULL,
    "serial_number" TEXT,
    "vendor" TEXT,
    "model" TEXT,
    "credentials_hash" TEXT NOT NULL,
    "asset_kind" "assets"."asset_kind" NOT NULL,
    "asset_id" UUID NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."tag" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "asset_kind" "assets"."asset_kind" NOT NULL,
    "asset_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "kind" "assets"."tag_kind" NOT NULL,
    "unit" TEXT,
    "low_alarm" DOUBLE PRECISION,
    "low_warn" DOUBLE PRECISION,
    "high_warn" DOUBLE PRECISION,
    "high_alarm" DOUBLE PRECISION,
    "characteristic_id" UUID,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."equipment_state" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "asset_kind" "assets"."asset_kind" NOT NULL,
    "asset_id" UUID NOT NULL,
    "state" "assets"."operating_state" NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "reason_code" TEXT,
    "reason_text" TEXT,
    "source" "assets"."state_source" NOT NULL DEFAULT 'DETECTED',
    "source_event_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "equipment_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."shift" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "site_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "start_minute" INTEGER NOT NULL,
    "end_minute" INTEGER NOT NULL,
    "weekdays" INTEGER[] DEFAULT ARRAY[1, 2, 3, 4, 5]::INTEGER[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders"."customer" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "erp_customer_number" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders"."production_order" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "erp_order_number" TEXT NOT NULL,
    "material_id" UUID NOT NULL,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "line_id" UUID NOT NULL,
    "customer_id" UUID,
    "status" "orders"."production_order_status" NOT NULL DEFAULT 'CREATED',
    "priority" INTEGER NOT NULL DEFAULT 5,
    "due_at" TIMESTAMPTZ(3),
    "planned_start_at" TIMESTAMPTZ(3),
    "released_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "production_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders"."operation" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "order_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "work_cell_id" UUID,
    "erp_work_center" TEXT,
    "description" TEXT NOT NULL,
    "planned_quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "status" "orders"."operation_status" NOT NULL DEFAULT 'CREATED',
    "planned_setup_seconds" INTEGER,
    "ideal_cycle_seconds" DOUBLE PRECISION,
    "actual_start_at" TIMESTAMPTZ(3),
    "actual_end_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders"."confirmation" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "operation_id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "window_end" TIMESTAMPTZ(3) NOT NULL,
    "yield_quantity" DECIMAL(18,3) NOT NULL DEFAULT 0,
    "scrap_quantity" DECIMAL(18,3) NOT NULL DEFAULT 0,
    "rework_quantity" DECIMAL(18,3) NOT NULL DEFAULT 0,
    "unit" TEXT NOT NULL,
    "setup_seconds" INTEGER NOT NULL DEFAULT 0,
    "run_seconds" INTEGER NOT NULL DEFAULT 0,
    "down_seconds" INTEGER NOT NULL DEFAULT 0,
    "final" BOOLEAN NOT NULL DEFAULT false,
    "idempotency_key" TEXT NOT NULL,
    "source_event_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "confirmation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders"."shipment_readiness" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "order_id" UUID NOT NULL,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "status" "orders"."shipment_readiness_status" NOT NULL DEFAULT 'PENDING',
    "ready_at" TIMESTAMPTZ(3),
    "partner_notified_at" TIMESTAMPTZ(3),
    "pallet_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shipment_readiness_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."material" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "erp_material_number" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "base_unit" TEXT NOT NULL,
    "type" "inventory"."material_type" NOT NULL,
    "gtin" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "material_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."bill_of_materials" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "material_id" UUID NOT NULL,
    "alternative" TEXT NOT NULL DEFAULT '1',
    "description" TEXT,
    "valid_from" TIMESTAMPTZ(3),
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bill_of_materials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."bom_item" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "bom_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "component_material_id" UUID NOT NULL,
    "quantity_per_unit" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bom_item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."location" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "site_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" "inventory"."location_type" NOT NULL,
    "line_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."material_lot" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "lot_number" TEXT NOT NULL,
    "material_id" UUID NOT NULL,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "status" "inventory"."material_lot_status" NOT NULL DEFAULT 'AVAILABLE',
    "location_id" UUID,
    "produced_by_order_id" UUID,
    "supplier_lot_number" TEXT,
    "produced_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "material_lot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."material_movement" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" "inventory"."movement_kind" NOT NULL,
    "material_id" UUID NOT NULL,
    "lot_id" UUID,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "from_location_id" UUID,
    "to_location_id" UUID,
    "order_id" UUID,
    "operation_id" UUID,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "source_event_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "material_movement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."pallet" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sscc" VARCHAR(18) NOT NULL,
    "material_id" UUID NOT NULL,
    "lot_id" UUID,
    "order_id" UUID,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "status" "inventory"."pallet_status" NOT NULL DEFAULT 'OPEN',
    "location_id" UUID,
    "completed_at" TIMESTAMPTZ(3),
    "shipped_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pallet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."goods_receipt" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "material_id" UUID NOT NULL,
    "lot_id" UUID,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "location_id" UUID NOT NULL,
    "asn_id" UUID,
    "supplier" TEXT,
    "purchase_order_number" TEXT,
    "erp_document_number" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "goods_receipt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."advance_shipping_notice" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "asn_number" TEXT NOT NULL,
    "direction" "inventory"."asn_direction" NOT NULL,
    "status" "inventory"."asn_status" NOT NULL DEFAULT 'DRAFT',
    "site_id" UUID NOT NULL,
    "customer_id" UUID,
    "supplier" TEXT,
    "expected_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "advance_shipping_notice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."asn_item" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "asn_id" UUID NOT NULL,
    "line_number" INTEGER NOT NULL,
    "material_id" UUID NOT NULL,
    "lot_id" UUID,
    "pallet_id" UUID,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "order_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "asn_item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality"."characteristic" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "unit" TEXT,
    "lower_spec_limit" DOUBLE PRECISION,
    "upper_spec_limit" DOUBLE PRECISION,
    "target" DOUBLE PRECISION,
    "material_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "characteristic_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality"."inspection_plan" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "material_id" UUID,
    "version" INTEGER NOT NULL DEFAULT 1,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inspection_plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality"."inspection_plan_characteristic" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "plan_id" UUID NOT NULL,
    "characteristic_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "sample_size" INTEGER NOT NULL DEFAULT 1,
    "required" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inspection_plan_characteristic_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality"."inspection_lot" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "order_id" UUID,
    "material_lot_id" UUID,
    "material_id" UUID,
    "plan_id" UUID,
    "origin" "quality"."inspection_origin" NOT NULL,
    "status" "quality"."inspection_lot_status" NOT NULL DEFAULT 'OPEN',
    "decision" "quality"."inspection_decision",
    "decided_at" TIMESTAMPTZ(3),
    "decided_by" TEXT,
    "trigger_tag_id" UUID,
    "idempotency_key" TEXT,
    "source_event_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "erp_inspection_lot_number" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inspection_lot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality"."inspection_result" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "inspection_lot_id" UUID NOT NULL,
    "characteristic_id" UUID NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "within_limits" BOOLEAN NOT NULL,
    "measured_at" TIMESTAMPTZ(3) NOT NULL,
    "measured_by" TEXT,
    "source_event_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inspection_result_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality"."quality_hold" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "material_lot_id" UUID,
    "order_id" UUID,
    "inspection_lot_id" UUID,
    "reason" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "placed_by" TEXT,
    "released_at" TIMESTAMPTZ(3),
    "released_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quality_hold_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quality"."nonconformance" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "inspection_lot_id" UUID,
    "description" TEXT NOT NULL,
    "disposition" "quality"."nonconformance_disposition",
    "status" "quality"."nonconformance_status" NOT NULL DEFAULT 'OPEN',
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "nonconformance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "maintenance"."alarm" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "asset_kind" "maintenance"."asset_kind" NOT NULL,
    "asset_id" UUID NOT NULL,
    "tag_id" UUID,
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "severity" "maintenance"."alarm_severity" NOT NULL,
    "raised_at" TIMESTAMPTZ(3) NOT NULL,
    "cleared_at" TIMESTAMPTZ(3),
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" TEXT,
    "source_event_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alarm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "maintenance"."maintenance_request" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "asset_kind" "maintenance"."asset_kind" NOT NULL,
    "asset_id" UUID NOT NULL,
    "priority" "maintenance"."maintenance_priority" NOT NULL DEFAULT 'MEDIUM',
    "status" "maintenance"."maintenance_request_status" NOT NULL DEFAULT 'OPEN',
    "reason" TEXT NOT NULL,
    "description" TEXT,
    "downtime_start_at" TIMESTAMPTZ(3),
    "downtime_end_at" TIMESTAMPTZ(3),
    "source_alarm_id" UUID,
    "erp_notification_number" TEXT,
    "idempotency_key" TEXT,
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "maintenance_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "maintenance"."spare_part_request" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "request_id" UUID NOT NULL,
    "material_id" UUID NOT NULL,
    "quantity" DECIMAL(18,3) NOT NULL,
    "unit" TEXT NOT NULL,
    "status" "maintenance"."spare_part_request_status" NOT NULL DEFAULT 'REQUESTED',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "spare_part_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integration"."erp_posting" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" "integration"."erp_posting_kind" NOT NULL,
    "payload" JSONB NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "status" "integration"."erp_posting_status" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "erp_document_id" TEXT,
    "source_event_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "order_id" UUID,
    "operation_id" UUID,
    "lot_id" UUID,
    "maintenance_request_id" UUID,
    "inspection_lot_id" UUID,
    "confirmed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "erp_posting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integration"."inbound_command" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "idempotency_key" TEXT NOT NULL,
    "command_name" TEXT NOT NULL,
    "input_hash" TEXT NOT NULL,
    "status" "integration"."inbound_command_status" NOT NULL DEFAULT 'IN_PROGRESS',
    "result" JSONB,
    "error" TEXT,
    "actor" TEXT,
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbound_command_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integration"."dead_letter" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "stream" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "stream_sequence" BIGINT,
    "message_id" TEXT,
    "payload" BYTEA NOT NULL,
    "payload_text" TEXT,
    "reason_code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "headers" JSONB,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayed_at" TIMESTAMPTZ(3),
    "replay_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integration"."integration_exception" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" "integration"."integration_exception_kind" NOT NULL,
    "posting_id" UUID,
    "dead_letter_id" UUID,
    "message" TEXT NOT NULL,
    "details" JSONB,
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "integration_exception_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "enterprise_code_key" ON "assets"."enterprise"("code");

-- CreateIndex
CREATE UNIQUE INDEX "site_enterprise_id_code_key" ON "assets"."site"("enterprise_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "area_site_id_code_key" ON "assets"."area"("site_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "area_site_id_id_key" ON "assets"."area"("site_id", "id");

-- CreateIndex
CREATE INDEX "line_area_id_idx" ON "assets"."line"("area_id");

-- CreateIndex
CREATE UNIQUE INDEX "line_site_id_code_key" ON "assets"."line"("site_id", "code");

-- CreateIndex
CREATE INDEX "work_cell_parent_id_idx" ON "assets"."work_cell"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "work_cell_line_id_code_key" ON "assets"."work_cell"("line_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "work_cell_id_line_id_key" ON "assets"."work_cell"("id", "line_id");

-- CreateIndex
CREATE UNIQUE INDEX "device_identity_key" ON "assets"."device"("identity");

-- CreateIndex
CREATE INDEX "device_asset_id_idx" ON "assets"."device"("asset_id");

-- CreateIndex
CREATE INDEX "tag_characteristic_id_idx" ON "assets"."tag"("characteristic_id");

-- CreateIndex
CREATE UNIQUE INDEX "tag_asset_id_name_key" ON "assets"."tag"("asset_id", "name");

-- CreateIndex
CREATE INDEX "equipment_state_asset_id_started_at_idx" ON "assets"."equipment_state"("asset_id", "started_at");

-- CreateIndex
CREATE INDEX "equipment_state_state_started_at_idx" ON "assets"."equipment_state"("state", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "shift_site_id_code_key" ON "assets"."shift"("site_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "customer_code_key" ON "orders"."customer"("code");

-- CreateIndex
CREATE UNIQUE INDEX "customer_erp_customer_number_key" ON "orders"."customer"("erp_customer_number");

-- CreateIndex
CREATE UNIQUE INDEX "production_order_erp_order_number_key" ON "orders"."production_order"("erp_order_number");

-- CreateIndex
CREATE INDEX "production_order_status_due_at_idx" ON "orders"."production_order"("status", "due_at");

-- CreateIndex
CREATE INDEX "production_order_line_id_status_idx" ON "orders"."production_order"("line_id", "status");

-- CreateIndex
CREATE INDEX "production_order_customer_id_status_idx" ON "orders"."production_order"("customer_id", "status");

-- CreateIndex
CREATE INDEX "production_order_due_at_idx" ON "orders"."production_order"("due_at");

-- CreateIndex
CREATE INDEX "production_order_material_id_idx" ON "orders"."production_order"("material_id");

-- CreateIndex
CREATE INDEX "operation_work_cell_id_status_idx" ON "orders"."operation"("work_cell_id", "status");

-- CreateIndex
CREATE INDEX "operation_status_idx" ON "orders"."operation"("status");

-- CreateIndex
CREATE UNIQUE INDEX "operation_order_id_sequence_key" ON "orders"."operation"("order_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "confirmation_idempotency_key_key" ON "orders"."confirmation"("idempotency_key");

-- CreateIndex
CREATE INDEX "confirmation_operation_id_window_start_idx" ON "orders"."confirmation"("operation_id", "window_start");

-- CreateIndex
CREATE INDEX "confirmation_order_id_window_start_idx" ON "orders"."confirmation"("order_id", "window_start");

-- CreateIndex
CREATE INDEX "shipment_readiness_order_id_idx" ON "orders"."shipment_readiness"("order_id");

-- CreateIndex
CREATE INDEX "shipment_readiness_status_idx" ON "orders"."shipment_readiness"("status");

-- CreateIndex
CREATE INDEX "shipment_readiness_pallet_ids_idx" ON "orders"."shipment_readiness" USING GIN ("pallet_ids");

-- CreateIndex
CREATE UNIQUE INDEX "material_erp_material_number_key" ON "inventory"."material"("erp_material_number");

-- CreateIndex
CREATE INDEX "material_type_idx" ON "inventory"."material"("type");

-- CreateIndex
CREATE UNIQUE INDEX "bill_of_materials_material_id_alternative_key" ON "inventory"."bill_of_materials"("material_id", "alternative");

-- CreateIndex
CREATE INDEX "bom_item_component_material_id_idx" ON "inventory"."bom_item"("component_material_id");

-- CreateIndex
CREATE UNIQUE INDEX "bom_item_bom_id_position_key" ON "inventory"."bom_item"("bom_id", "position");

-- CreateIndex
CREATE INDEX "location_line_id_idx" ON "inventory"."location"("line_id");

-- CreateIndex
CREATE UNIQUE INDEX "location_site_id_code_key" ON "inventory"."location"("site_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "material_lot_lot_number_key" ON "inventory"."material_lot"("lot_number");

-- CreateIndex
CREATE INDEX "material_lot_material_id_status_idx" ON "inventory"."material_lot"("material_id", "status");

-- CreateIndex
CREATE INDEX "material_lot_location_id_idx" ON "inventory"."material_lot"("location_id");

-- CreateIndex
CREATE INDEX "material_lot_produced_by_order_id_idx" ON "inventory"."material_lot"("produced_by_order_id");

-- CreateIndex
CREATE UNIQUE INDEX "material_movement_idempotency_key_key" ON "inventory"."material_movement"("idempotency_key");

-- CreateIndex
CREATE INDEX "material_movement_material_id_occurred_at_idx" ON "inventory"."material_movement"("material_id", "occurred_at");

-- CreateIndex
CREATE INDEX "material_movement_lot_id_idx" ON "inventory"."material_movement"("lot_id");

-- CreateIndex
CREATE INDEX "material_movement_order_id_idx" ON "inventory"."material_movement"("order_id");

-- CreateIndex
CREATE INDEX "material_movement_operation_id_idx" ON "inventory"."material_movement"("operation_id");

-- CreateIndex
CREATE UNIQUE INDEX "pallet_sscc_key" ON "inventory"."pallet"("sscc");

-- CreateIndex
CREATE INDEX "pallet_order_id_status_idx" ON "inventory"."pallet"("order_id", "status");

-- CreateIndex
CREATE INDEX "pallet_lot_id_idx" ON "inventory"."pallet"("lot_id");

-- CreateIndex
CREATE UNIQUE INDEX "goods_receipt_idempotency_key_key" ON "inventory"."goods_receipt"("idempotency_key");

-- CreateIndex
CREATE INDEX "goods_receipt_material_id_received_at_idx" ON "inventory"."goods_receipt"("material_id", "received_at");

-- CreateIndex
CREATE INDEX "goods_receipt_asn_id_idx" ON "inventory"."goods_receipt"("asn_id");

-- CreateIndex
CREATE UNIQUE INDEX "advance_shipping_notice_asn_number_key" ON "inventory"."advance_shipping_notice"("asn_number");

-- CreateIndex
CREATE INDEX "advance_shipping_notice_site_id_status_idx" ON "inventory"."advance_shipping_notice"("site_id", "status");

-- CreateIndex
CREATE INDEX "advance_shipping_notice_customer_id_idx" ON "inventory"."advance_shipping_notice"("customer_id");

-- CreateIndex
CREATE INDEX "asn_item_pallet_id_idx" ON "inventory"."asn_item"("pallet_id");

-- CreateIndex
CREATE INDEX "asn_item_order_id_idx" ON "inventory"."asn_item"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "asn_item_asn_id_line_number_key" ON "inventory"."asn_item"("asn_id", "line_number");

-- CreateIndex
CREATE UNIQUE INDEX "characteristic_code_key" ON "quality"."characteristic"("code");

-- CreateIndex
CREATE INDEX "characteristic_material_id_idx" ON "quality"."characteristic"("material_id");

-- CreateIndex
CREATE UNIQUE INDEX "inspection_plan_code_key" ON "quality"."inspection_plan"("code");

-- CreateIndex
CREATE INDEX "inspection_plan_material_id_idx" ON "quality"."inspection_plan"("material_id");

-- CreateIndex
CREATE INDEX "inspection_plan_characteristic_characteristic_id_idx" ON "quality"."inspection_plan_characteristic"("characteristic_id");

-- CreateIndex
CREATE UNIQUE INDEX "inspection_plan_characteristic_plan_id_characteristic_id_key" ON "quality"."inspection_plan_characteristic"("plan_id", "characteristic_id");

-- CreateIndex
CREATE UNIQUE INDEX "inspection_plan_characteristic_plan_id_sequence_key" ON "quality"."inspection_plan_characteristic"("plan_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "inspection_lot_idempotency_key_key" ON "quality"."inspection_lot"("idempotency_key");

-- CreateIndex
CREATE INDEX "inspection_lot_order_id_idx" ON "quality"."inspection_lot"("order_id");

-- CreateIndex
CREATE INDEX "inspection_lot_material_lot_id_idx" ON "quality"."inspection_lot"("material_lot_id");

-- CreateIndex
CREATE INDEX "inspection_lot_material_id_idx" ON "quality"."inspection_lot"("material_id");

-- CreateIndex
CREATE INDEX "inspection_lot_trigger_tag_id_idx" ON "quality"."inspection_lot"("trigger_tag_id");

-- CreateIndex
CREATE INDEX "inspection_lot_status_created_at_idx" ON "quality"."inspection_lot"("status", "created_at");

-- CreateIndex
CREATE INDEX "inspection_lot_plan_id_idx" ON "quality"."inspection_lot"("plan_id");

-- CreateIndex
CREATE INDEX "inspection_result_inspection_lot_id_measured_at_idx" ON "quality"."inspection_result"("inspection_lot_id", "measured_at");

-- CreateIndex
CREATE INDEX "inspection_result_characteristic_id_measured_at_idx" ON "quality"."inspection_result"("characteristic_id", "measured_at");

-- CreateIndex
CREATE INDEX "quality_hold_material_lot_id_active_idx" ON "quality"."quality_hold"("material_lot_id", "active");

-- CreateIndex
CREATE INDEX "quality_hold_order_id_active_idx" ON "quality"."quality_hold"("order_id", "active");

-- CreateIndex
CREATE INDEX "quality_hold_inspection_lot_id_idx" ON "quality"."quality_hold"("inspection_lot_id");

-- CreateIndex
CREATE INDEX "nonconformance_inspection_lot_id_idx" ON "quality"."nonconformance"("inspection_lot_id");

-- CreateIndex
CREATE INDEX "nonconformance_status_idx" ON "quality"."nonconformance"("status");

-- CreateIndex
CREATE UNIQUE INDEX "alarm_source_event_id_key" ON "maintenance"."alarm"("source_event_id");

-- CreateIndex
CREATE INDEX "alarm_asset_id_cleared_at_idx" ON "maintenance"."alarm"("asset_id", "cleared_at");

-- CreateIndex
CREATE INDEX "alarm_tag_id_idx" ON "maintenance"."alarm"("tag_id");

-- CreateIndex
CREATE INDEX "alarm_severity_raised_at_idx" ON "maintenance"."alarm"("severity", "raised_at");

-- CreateIndex
CREATE UNIQUE INDEX "maintenance_request_erp_notification_number_key" ON "maintenance"."maintenance_request"("erp_notification_number");

-- CreateIndex
CREATE UNIQUE INDEX "maintenance_request_idempotency_key_key" ON "maintenance"."maintenance_request"("idempotency_key");

-- CreateIndex
CREATE INDEX "maintenance_request_asset_id_status_idx" ON "maintenance"."maintenance_request"("asset_id", "status");

-- CreateIndex
CREATE INDEX "maintenance_request_status_priority_idx" ON "maintenance"."maintenance_request"("status", "priority");

-- CreateIndex
CREATE INDEX "maintenance_request_source_alarm_id_idx" ON "maintenance"."maintenance_request"("source_alarm_id");

-- CreateIndex
CREATE INDEX "spare_part_request_request_id_idx" ON "maintenance"."spare_part_request"("request_id");

-- CreateIndex
CREATE INDEX "spare_part_request_material_id_idx" ON "maintenance"."spare_part_request"("material_id");

-- CreateIndex
CREATE UNIQUE INDEX "erp_posting_idempotency_key_key" ON "integration"."erp_posting"("idempotency_key");

-- CreateIndex
CREATE INDEX "erp_posting_status_next_attempt_at_idx" ON "integration"."erp_posting"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "erp_posting_kind_status_idx" ON "integration"."erp_posting"("kind", "status");

-- CreateIndex
CREATE INDEX "erp_posting_order_id_idx" ON "integration"."erp_posting"("order_id");

-- CreateIndex
CREATE INDEX "erp_posting_operation_id_idx" ON "integration"."erp_posting"("operation_id");

-- CreateIndex
CREATE INDEX "erp_posting_lot_id_idx" ON "integration"."erp_posting"("lot_id");

-- CreateIndex
CREATE INDEX "erp_posting_maintenance_request_id_idx" ON "integration"."erp_posting"("maintenance_request_id");

-- CreateIndex
CREATE INDEX "erp_posting_inspection_lot_id_idx" ON "integration"."erp_posting"("inspection_lot_id");

-- CreateIndex
CREATE INDEX "erp_posting_created_at_idx" ON "integration"."erp_posting"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "inbound_command_idempotency_key_key" ON "integration"."inbound_command"("idempotency_key");

-- CreateIndex
CREATE INDEX "inbound_command_command_name_created_at_idx" ON "integration"."inbound_command"("command_name", "created_at");

-- CreateIndex
CREATE INDEX "dead_letter_stream_received_at_idx" ON "integration"."dead_letter"("stream", "received_at");

-- CreateIndex
CREATE INDEX "dead_letter_reason_code_received_at_idx" ON "integration"."dead_letter"("reason_code", "received_at");

-- CreateIndex
CREATE INDEX "integration_exception_resolved_at_created_at_idx" ON "integration"."integration_exception"("resolved_at", "created_at");

-- CreateIndex
CREATE INDEX "integration_exception_posting_id_idx" ON "integration"."integration_exception"("posting_id");

-- CreateIndex
CREATE INDEX "integration_exception_dead_letter_id_idx" ON "integration"."integration_exception"("dead_letter_id");

-- AddForeignKey
ALTER TABLE "assets"."site" ADD CONSTRAINT "site_enterprise_id_fkey" FOREIGN KEY ("enterprise_id") REFERENCES "assets"."enterprise"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."area" ADD CONSTRAINT "area_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "assets"."site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."line" ADD CONSTRAINT "line_site_id_area_id_fkey" FOREIGN KEY ("site_id", "area_id") REFERENCES "assets"."area"("site_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."work_cell" ADD CONSTRAINT "work_cell_line_id_fkey" FOREIGN KEY ("line_id") REFERENCES "assets"."line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."work_cell" ADD CONSTRAINT "work_cell_parent_id_line_id_fkey" FOREIGN KEY ("parent_id", "line_id") REFERENCES "assets"."work_cell"("id", "line_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "assets"."shift" ADD CONSTRAINT "shift_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "assets"."site"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders"."production_order" ADD CONSTRAINT "production_order_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "orders"."customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders"."operation" ADD CONSTRAINT "operation_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"."production_order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders"."confirmation" ADD CONSTRAINT "confirmation_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "orders"."operation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders"."confirmation" ADD CONSTRAINT "confirmation_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"."production_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders"."shipment_readiness" ADD CONSTRAINT "shipment_readiness_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"."production_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."bill_of_materials" ADD CONSTRAINT "bill_of_materials_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "inventory"."material"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."bom_item" ADD CONSTRAINT "bom_item_bom_id_fkey" FOREIGN KEY ("bom_id") REFERENCES "inventory"."bill_of_materials"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."bom_item" ADD CONSTRAINT "bom_item_component_material_id_fkey" FOREIGN KEY ("component_material_id") REFERENCES "inventory"."material"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."material_lot" ADD CONSTRAINT "material_lot_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "inventory"."material"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."material_lot" ADD CONSTRAINT "material_lot_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "inventory"."location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."material_movement" ADD CONSTRAINT "material_movement_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "inventory"."material"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."material_movement" ADD CONSTRAINT "material_movement_lot_id_fkey" FOREIGN KEY ("lot_id") REFERENCES "inventory"."material_lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."material_movement" ADD CONSTRAINT "material_movement_from_location_id_fkey" FOREIGN KEY ("from_location_id") REFERENCES "inventory"."location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."material_movement" ADD CONSTRAINT "material_movement_to_location_id_fkey" FOREIGN KEY ("to_location_id") REFERENCES "inventory"."location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."pallet" ADD CONSTRAINT "pallet_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "inventory"."material"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."pallet" ADD CONSTRAINT "pallet_lot_id_fkey" FOREIGN KEY ("lot_id") REFERENCES "inventory"."material_lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."pallet" ADD CONSTRAINT "pallet_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "inventory"."location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."goods_receipt" ADD CONSTRAINT "goods_receipt_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "inventory"."material"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."goods_receipt" ADD CONSTRAINT "goods_receipt_lot_id_fkey" FOREIGN KEY ("lot_id") REFERENCES "inventory"."material_lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."goods_receipt" ADD CONSTRAINT "goods_receipt_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "inventory"."location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."goods_receipt" ADD CONSTRAINT "goods_receipt_asn_id_fkey" FOREIGN KEY ("asn_id") REFERENCES "inventory"."advance_shipping_notice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."asn_item" ADD CONSTRAINT "asn_item_asn_id_fkey" FOREIGN KEY ("asn_id") REFERENCES "inventory"."advance_shipping_notice"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."asn_item" ADD CONSTRAINT "asn_item_material_id_fkey" FOREIGN KEY ("material_id") REFERENCES "inventory"."material"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."asn_item" ADD CONSTRAINT "asn_item_lot_id_fkey" FOREIGN KEY ("lot_id") REFERENCES "inventory"."material_lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."asn_item" ADD CONSTRAINT "asn_item_pallet_id_fkey" FOREIGN KEY ("pallet_id") REFERENCES "inventory"."pallet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality"."inspection_plan_characteristic" ADD CONSTRAINT "inspection_plan_characteristic_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "quality"."inspection_plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality"."inspection_plan_characteristic" ADD CONSTRAINT "inspection_plan_characteristic_characteristic_id_fkey" FOREIGN KEY ("characteristic_id") REFERENCES "quality"."characteristic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality"."inspection_lot" ADD CONSTRAINT "inspection_lot_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "quality"."inspection_plan"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality"."inspection_result" ADD CONSTRAINT "inspection_result_inspection_lot_id_fkey" FOREIGN KEY ("inspection_lot_id") REFERENCES "quality"."inspection_lot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality"."inspection_result" ADD CONSTRAINT "inspection_result_characteristic_id_fkey" FOREIGN KEY ("characteristic_id") REFERENCES "quality"."characteristic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality"."quality_hold" ADD CONSTRAINT "quality_hold_inspection_lot_id_fkey" FOREIGN KEY ("inspection_lot_id") REFERENCES "quality"."inspection_lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality"."nonconformance" ADD CONSTRAINT "nonconformance_inspection_lot_id_fkey" FOREIGN KEY ("inspection_lot_id") REFERENCES "quality"."inspection_lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "maintenance"."maintenance_request" ADD CONSTRAINT "maintenance_request_source_alarm_id_fkey" FOREIGN KEY ("source_alarm_id") REFERENCES "maintenance"."alarm"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "maintenance"."spare_part_request" ADD CONSTRAINT "spare_part_request_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "maintenance"."maintenance_request"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "integration"."integration_exception" ADD CONSTRAINT "integration_exception_posting_id_fkey" FOREIGN KEY ("posting_id") REFERENCES "integration"."erp_posting"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "integration"."integration_exception" ADD CONSTRAINT "integration_exception_dead_letter_id_fkey" FOREIGN KEY ("dead_letter_id") REFERENCES "integration"."dead_letter"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
