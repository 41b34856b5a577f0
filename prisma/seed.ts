// Demo plant: one enterprise with a Berlin machining site and a Lyon process & packaging site,
// covering the three demo scenarios:
//   1. BER/CNC1 — CNC machining line: good/scrap counters, machine state, spindle temperature.
//   2. LYO/MIX1 — batch mixing & filling line: fill weight and viscosity tags tied to quality
//      characteristics with spec limits, so a reading can cross a threshold and open an inspection lot.
//   3. LYO/PCK1 — packaging line: case packer, palletizer (completes pallets), stretch wrapper.
// Natural keys (codes, ERP numbers, lot numbers) are the stable handles for tests and tools; the
// database generates the ids. Nothing here runs on import: callers (bin/seed.ts, tests) call
// seedDemoPlant with their own client.
import { createHash } from 'node:crypto';
import type { Prisma, PrismaClient } from './generated/client.ts';
import type {
  LocationType,
  MaterialLotStatus,
  MaterialType,
  TagKind,
} from './generated/enums.ts';

type Tx = Prisma.TransactionClient;

export const DEMO_ENTERPRISE_CODE = 'DEMO';

/** Rows of the demo plant, per kind. The same numbers on the first run and on every later run. */
export interface DemoPlantCounts {
  enterprises: number;
  sites: number;
  areas: number;
  lines: number;
  workCells: number;
  devices: number;
  tags: number;
  shifts: number;
  customers: number;
  materials: number;
  billsOfMaterials: number;
  bomItems: number;
  locations: number;
  materialLots: number;
  productionOrders: number;
  operations: number;
  characteristics: number;
  inspectionPlans: number;
  inspectionPlanCharacteristics: number;
}

export interface DemoPlantSummary {
  /** false when the demo enterprise was already there and nothing was written */
  created: boolean;
  counts: DemoPlantCounts;
}

/**
 * The plain-text secret of a demo device; its sha256 hex is stored as the device's credentials
 * hash. Exported so the simulator and tests can authenticate as demo devices. Demo only.
 */
export function demoDeviceSecret(identity: string): string {
  return `plantgraph-demo-device:${identity}`;
}

// ------------------------------------------------------------------------------------------------
// Plant definition
// ------------------------------------------------------------------------------------------------

interface TagDef {
  name: string;
  kind: TagKind;
  unit?: string;
  description: string;
  lowAlarm?: number;
  lowWarn?: number;
  highWarn?: number;
  highAlarm?: number;
  /** code of the quality characteristic the tag measures */
  characteristic?: string;
}

interface WorkCellDef {
  code: string;
  name: string;
  equipmentClass: string;
  erpWorkCenter?: string;
  idealCycleSeconds?: number;
  /** code of the parent work cell on the same line */
  parent?: string;
  device: { vendor: string; model: string; serialNumber: string };
  tags: TagDef[];
}

interface LineDef {
  code: string;
  name: string;
  erpWorkCenter: string;
  idealCycleSeconds: number;
  workCells: WorkCellDef[];
}

interface AreaDef {
  code: string;
  name: string;
  lines: LineDef[];
}

interface ShiftDef {
  code: string;
  name: string;
  start: string; // HH:MM local
  end: string; // HH:MM local; earlier than start when crossing midnight
  weekdays: number[];
}

interface LocationDef {
  code: string;
  name: string;
  type: LocationType;
  lineCode?: string;
}

interface SiteDef {
  code: string;
  name: string;
  timezone: string;
  countryCode: string;
  erpPlantCode: string;
  areas: AreaDef[];
  shifts: ShiftDef[];
  locations: LocationDef[];
}

const counters = (unit = 'PC'): TagDef[] => [
  { name: 'good_count', kind: 'COUNTER_GOOD', unit, description: 'Good parts, cumulative counter' },
  { name: 'scrap_count', kind: 'COUNTER_SCRAP', unit, description: 'Scrap parts, cumulative counter' },
];
const stateTag: TagDef = {
  name: 'state',
  kind: 'STATE',
  description: 'Machine state from the PLC (RUNNING, IDLE, DOWN, PLANNED_STOP, CHANGEOVER)',
};
const spindleTemperature = (highWarn: number, highAlarm: number): TagDef => ({
  name: 'spindle_temp',
  kind: 'TEMPERATURE',
  unit: '°C',
  description: 'Spindle bearing temperature',
  highWarn,
  highAlarm,
});

const WEEKDAYS = [1, 2, 3, 4, 5];

const SITES: SiteDef[] = [
  {
    code: 'BER',
    name: 'Berlin Machining Plant',
    timezone: 'Europe/Berlin',
    countryCode: 'DE',
    erpPlantCode: '1100',
    areas: [
      {
        code: 'MACH',
        name: 'Machining Hall 1',
        lines: [
          {
            code: 'CNC1',
            name: 'CNC Machining Line 1 (valve bodies & flanges)',
            erpWorkCenter: 'BER-CNC1',
            idealCycleSeconds: 240,
            workCells: [
              {
                code: 'OP10',
                name: '5-axis machining centre',
                equipmentClass: 'CNC_MILL',
                erpWorkCenter: 'BER-MILL10',
                idealCycleSeconds: 210,
                device: { vendor: 'Siemens', model: 'SIMATIC IOT2050', serialNumber: 'IOT2050-BER-0101' },
                tags: [
                  ...counters(),
                  stateTag,
                  spindleTemperature(60, 70),
                  { name: 'spindle_load', kind: 'POWER', unit: '%', description: 'Spindle load', highWarn: 85, highAlarm: 100 },
                  { name: 'coolant_pressure', kind: 'PRESSURE', unit: 'bar', description: 'Through-spindle coolant pressure', lowAlarm: 20, lowWarn: 30 },
                ],
              },
              {
                code: 'OP20',
                name: 'CNC turning centre',
                equipmentClass: 'LATHE',
                erpWorkCenter: 'BER-TURN20',
                idealCycleSeconds: 150,
                device: { vendor: 'Siemens', model: 'SIMATIC IOT2050', serialNumber: 'IOT2050-BER-0102' },
                tags: [...counters(), stateTag, spindleTemperature(65, 75)],
              },
              {
                code: 'OP20-BF',
                name: 'Bar feeder of the turning centre',
                equipmentClass: 'BAR_FEEDER',
                parent: 'OP20',
                device: { vendor: 'Siemens', model: 'SIMATIC IOT2050', serialNumber: 'IOT2050-BER-0103' },
                tags: [
                  stateTag,
                  { name: 'bar_remaining', kind: 'LEVEL', unit: 'mm', description: 'Remaining bar length', lowWarn: 500, lowAlarm: 100 },
                ],
              },
              {
                code: 'OP30',
                name: 'Deburring and washing cell',
                equipmentClass: 'WASHER',
                erpWorkCenter: 'BER-WASH30',
                idealCycleSeconds: 90,
                device: { vendor: 'Siemens', model: 'SIMATIC IOT2050', serialNumber: 'IOT2050-BER-0104' },
                tags: [
                  ...counters(),
                  stateTag,
                  { name: 'wash_temp', kind: 'TEMPERATURE', unit: '°C', description: 'Wash bath temperature', lowAlarm: 45, lowWarn: 50, highWarn: 70, highAlarm: 75 },
                ],
              },
            ],
          },
        ],
      },
    ],
    shifts: [
      { code: 'EARLY', name: 'Frühschicht', start: '06:00', end: '14:00', weekdays: WEEKDAYS },
      { code: 'LATE', name: 'Spätschicht', start: '14:00', end: '22:00', weekdays: WEEKDAYS },
      { code: 'NIGHT', name: 'Nachtschicht', start: '22:00', end: '06:00', weekdays: [1, 2, 3, 4] },
    ],
    locations: [
      { code: 'WH01', name: 'Raw material warehouse', type: 'WAREHOUSE' },
      { code: 'LS-CNC1', name: 'Line side CNC1', type: 'LINE_SIDE', lineCode: 'CNC1' },
      { code: 'QI01', name: 'Quarantine cage', type: 'QUARANTINE' },
      { code: 'SHIP01', name: 'Shipping dock 1', type: 'SHIPPING' },
    ],
  },
  {
    code: 'LYO',
    name: 'Lyon Process & Packaging Plant',
    timezone: 'Europe/Paris',
    countryCode: 'FR',
    erpPlantCode: '1200',
    areas: [
      {
        code: 'PROC',
        name: 'Process Hall',
        lines: [
          {
            code: 'MIX1',
            name: 'Batch Mixing & Filling Line 1 (cleaning concentrate)',
            erpWorkCenter: 'LYO-MIX1',
            idealCycleSeconds: 0.5,
            workCells: [
              {
                code: 'MIX10',
                name: 'Mixing vessel 2000 L',
                equipmentClass: 'MIXING_VESSEL',
                erpWorkCenter: 'LYO-MIX10',
                device: { vendor: 'Beckhoff', model: 'CX7000', serialNumber: 'CX7000-LYO-0201' },
                tags: [
                  stateTag,
                  { name: 'batch_temp', kind: 'TEMPERATURE', unit: '°C', description: 'Batch temperature', lowWarn: 20, highWarn: 40, highAlarm: 45 },
                  { name: 'agitator_speed', kind: 'SPEED', unit: 'rpm', description: 'Agitator speed', lowWarn: 40, highWarn: 120 },
                  {
                    name: 'viscosity',
                    kind: 'VISCOSITY',
                    unit: 'mPa·s',
                    description: 'In-line viscosity of the batch',
                    lowAlarm: 2200,
                    lowWarn: 2300,
                    highWarn: 2700,
                    highAlarm: 2800,
                    characteristic: 'VISCOSITY',
                  },
                ],
              },
              {
                code: 'FIL20',
                name: '12-head rotary filler',
                equipmentClass: 'FILLER',
                erpWorkCenter: 'LYO-FIL20',
                idealCycleSeconds: 0.5,
                device: { vendor: 'Beckhoff', model: 'CX7000', serialNumber: 'CX7000-LYO-0202' },
                tags: [
                  ...counters(),
                  stateTag,
                  {
                    name: 'fill_weight',
                    kind: 'WEIGHT',
                    unit: 'g',
                    description: 'Net fill weight from the checkweigher',
                    lowAlarm: 1015,
                    lowWarn: 1020,
                    highWarn: 1040,
                    highAlarm: 1045,
                    characteristic: 'FILL-WEIGHT',
                  },
                ],
              },
              {
                code: 'CAP30',
                name: 'Screw capper',
                equipmentClass: 'CAPPER',
                erpWorkCenter: 'LYO-CAP30',
                idealCycleSeconds: 0.5,
                device: { vendor: 'Beckhoff', model: 'CX7000', serialNumber: 'CX7000-LYO-0203' },
                tags: [
                  ...counters(),
                  stateTag,
                  { name: 'cap_torque', kind: 'TORQUE', unit: 'N·m', description: 'Cap application torque', lowAlarm: 1.2, lowWarn: 1.5, highWarn: 2.5, highAlarm: 2.8 },
                ],
              },
            ],
          },
        ],
      },
      {
        code: 'PACK',
        name: 'Packaging Hall',
        lines: [
          {
            code: 'PCK1',
            name: 'Packaging Line 1 (cases & pallets)',
            erpWorkCenter: 'LYO-PCK1',
            idealCycleSeconds: 6,
            workCells: [
              {
                code: 'CAS10',
                name: 'Wrap-around case packer',
                equipmentClass: 'CASE_PACKER',
                erpWorkCenter: 'LYO-CAS10',
                idealCycleSeconds: 6,
                device: { vendor: 'Advantech', model: 'UNO-137', serialNumber: 'UNO137-LYO-0301' },
                tags: [...counters('CS'), stateTag],
              },
              {
                code: 'PAL20',
                name: 'Robot palletizer',
                equipmentClass: 'PALLETIZER',
                erpWorkCenter: 'LYO-PAL20',
                idealCycleSeconds: 6,
                device: { vendor: 'Advantech', model: 'UNO-137', serialNumber: 'UNO137-LYO-0302' },
                tags: [
                  { name: 'cases_stacked', kind: 'COUNTER_GOOD', unit: 'CS', description: 'Cases placed on pallets, cumulative' },
                  stateTag,
                  { name: 'pallets_completed', kind: 'COUNTER', unit: 'PAL', description: 'Completed pallets (60 cases each), cumulative' },
                  { name: 'layer_count', kind: 'OTHER', unit: 'layer', description: 'Layers on the pallet being built' },
                ],
              },
              {
                code: 'STW30',
                name: 'Stretch wrapper',
                equipmentClass: 'STRETCH_WRAPPER',
                erpWorkCenter: 'LYO-STW30',
                device: { vendor: 'Advantech', model: 'UNO-137', serialNumber: 'UNO137-LYO-0303' },
                tags: [
                  stateTag,
                  { name: 'pallets_wrapped', kind: 'COUNTER', unit: 'PAL', description: 'Wrapped pallets, cumulative' },
                ],
              },
            ],
          },
        ],
      },
    ],
    shifts: [
      { code: 'MORNING', name: 'Équipe du matin', start: '05:00', end: '13:00', weekdays: [1, 2, 3, 4, 5, 6] },
      { code: 'AFTERNOON', name: "Équipe d'après-midi", start: '13:00', end: '21:00', weekdays: [1, 2, 3, 4, 5, 6] },
    ],
    locations: [
      { code: 'WH01', name: 'Raw & packaging material warehouse', type: 'WAREHOUSE' },
      { code: 'LS-MIX1', name: 'Line side MIX1', type: 'LINE_SIDE', lineCode: 'MIX1' },
      { code: 'LS-PCK1', name: 'Line side PCK1', type: 'LINE_SIDE', lineCode: 'PCK1' },
      { code: 'QI01', name: 'Quarantine area', type: 'QUARANTINE' },
      { code: 'SHIP01', name: 'Shipping dock 1', type: 'SHIPPING' },
    ],
  },
];

const CUSTOMERS = [
  { code: 'ACME', name: 'Acme Industrial Supply Inc.', erpCustomerNumber: '100001' },
  { code: 'GLOBEX', name: 'Globex Corporation', erpCustomerNumber: '100002' },
  { code: 'INITECH', name: 'Initech SARL', erpCustomerNumber: '100003' },
];

interface MaterialDef {
  erpMaterialNumber: string;
  description: string;
  baseUnit: string;
  type: MaterialType;
  gtin?: string;
}

const MATERIALS: MaterialDef[] = [
  // Berlin: machined parts
  { erpMaterialNumber: 'FG-1001', description: 'Valve body VB-200, machined', baseUnit: 'PC', type: 'FINISHED', gtin: '04012345100015' },
  { erpMaterialNumber: 'FG-1002', description: 'Flange adapter FA-80, machined', baseUnit: 'PC', type: 'FINISHED', gtin: '04012345100022' },
  { erpMaterialNumber: 'RM-3001', description: 'Aluminium round bar EN AW-6082 T6, Ø80 mm', baseUnit: 'KG', type: 'RAW' },
  { erpMaterialNumber: 'RM-3002', description: 'Forged blank VB-200, 42CrMo4', baseUnit: 'PC', type: 'RAW' },
  { erpMaterialNumber: 'PK-4001', description: 'VCI corrosion protection bag 300×400', baseUnit: 'PC', type: 'PACKAGING' },
  // Lyon: cleaning concentrate, bottled, then cased
  { erpMaterialNumber: 'FG-1101', description: 'Cleaning concentrate citrus 1 L, case of 12', baseUnit: 'CS', type: 'FINISHED', gtin: '03012345110019' },
  { erpMaterialNumber: 'SF-2101', description: 'Cleaning concentrate citrus 1 L bottle, filled and capped', baseUnit: 'PC', type: 'SEMI_FINISHED', gtin: '03012345110026' },
  { erpMaterialNumber: 'RM-3101', description: 'Surfactant blend SLES 70 %', baseUnit: 'KG', type: 'RAW' },
  { erpMaterialNumber: 'RM-3102', description: 'Demineralised water', baseUnit: 'KG', type: 'RAW' },
  { erpMaterialNumber: 'RM-3103', description: 'Citrus fragrance oil', baseUnit: 'KG', type: 'RAW' },
  { erpMaterialNumber: 'PK-4101', description: 'HDPE bottle 1 L, white', baseUnit: 'PC', type: 'PACKAGING' },
  { erpMaterialNumber: 'PK-4102', description: 'Screw cap 28 mm, green', baseUnit: 'PC', type: 'PACKAGING' },
  { erpMaterialNumber: 'PK-4103', description: 'Corrugated shipping case 12×1 L', baseUnit: 'PC', type: 'PACKAGING' },
  { erpMaterialNumber: 'PK-4104', description: 'Case label 100×150 mm', baseUnit: 'PC', type: 'PACKAGING' },
];

/** parent material → components (quantity per one base unit of the parent) */
const BOMS: { material: string; description: string; items: { component: string; quantity: number; unit: string }[] }[] = [
  {
    material: 'FG-1001',
    description: 'Valve body VB-200 from forged blank',
    items: [
      { component: 'RM-3002', quantity: 1, unit: 'PC' },
      { component: 'PK-4001', quantity: 1, unit: 'PC' },
    ],
  },
  {
    material: 'FG-1002',
    description: 'Flange adapter FA-80 from bar stock',
    items: [
      { component: 'RM-3001', quantity: 0.45, unit: 'KG' },
      { component: 'PK-4001', quantity: 1, unit: 'PC' },
    ],
  },
  {
    material: 'SF-2101',
    description: 'Filled 1 L bottle (formula CC-CIT-03)',
    items: [
      { component: 'RM-3101', quantity: 0.18, unit: 'KG' },
      { component: 'RM-3102', quantity: 0.835, unit: 'KG' },
      { component: 'RM-3103', quantity: 0.015, unit: 'KG' },
      { component: 'PK-4101', quantity: 1, unit: 'PC' },
      { component: 'PK-4102', quantity: 1, unit: 'PC' },
    ],
  },
  {
    material: 'FG-1101',
    description: 'Case of 12 bottles',
    items: [
      { component: 'SF-2101', quantity: 12, unit: 'PC' },
      { component: 'PK-4103', quantity: 1, unit: 'PC' },
      { component: 'PK-4104', quantity: 1, unit: 'PC' },
    ],
  },
];

const LOTS: { lotNumber: string; material: string; quantity: number; unit: string; status: MaterialLotStatus; site: string; location: string; supplierLotNumber?: string }[] = [
  { lotNumber: 'BER-RM3002-24001', material: 'RM-3002', quantity: 400, unit: 'PC', status: 'AVAILABLE', site: 'BER', location: 'WH01', supplierLotNumber: 'SF-77812' },
  { lotNumber: 'BER-RM3001-24001', material: 'RM-3001', quantity: 1250, unit: 'KG', status: 'AVAILABLE', site: 'BER', location: 'LS-CNC1', supplierLotNumber: 'HY-2024-5531' },
  { lotNumber: 'BER-PK4001-24001', material: 'PK-4001', quantity: 5000, unit: 'PC', status: 'AVAILABLE', site: 'BER', location: 'LS-CNC1' },
  { lotNumber: 'LYO-RM3101-24001', material: 'RM-3101', quantity: 4000, unit: 'KG', status: 'AVAILABLE', site: 'LYO', location: 'WH01', supplierLotNumber: 'BASF-0098812' },
  { lotNumber: 'LYO-RM3102-24001', material: 'RM-3102', quantity: 20000, unit: 'KG', status: 'AVAILABLE', site: 'LYO', location: 'LS-MIX1' },
  // fragrance waiting for incoming inspection
  { lotNumber: 'LYO-RM3103-24001', material: 'RM-3103', quantity: 150, unit: 'KG', status: 'QUARANTINE', site: 'LYO', location: 'QI01', supplierLotNumber: 'GIV-44120' },
  { lotNumber: 'LYO-RM3103-23009', material: 'RM-3103', quantity: 60, unit: 'KG', status: 'AVAILABLE', site: 'LYO', location: 'LS-MIX1', supplierLotNumber: 'GIV-43877' },
  { lotNumber: 'LYO-PK4101-24001', material: 'PK-4101', quantity: 20000, unit: 'PC', status: 'AVAILABLE', site: 'LYO', location: 'LS-MIX1' },
  { lotNumber: 'LYO-PK4102-24001', material: 'PK-4102', quantity: 20000, unit: 'PC', status: 'AVAILABLE', site: 'LYO', location: 'LS-MIX1' },
  { lotNumber: 'LYO-PK4103-24001', material: 'PK-4103', quantity: 3000, unit: 'PC', status: 'AVAILABLE', site: 'LYO', location: 'LS-PCK1' },
  { lotNumber: 'LYO-PK4104-24001', material: 'PK-4104', quantity: 3000, unit: 'PC', status: 'AVAILABLE', site: 'LYO', location: 'LS-PCK1' },
  // bottles filled before go-live, staged for the packaging line
  { lotNumber: 'LYO-SF2101-24001', material: 'SF-2101', quantity: 2400, unit: 'PC', status: 'AVAILABLE', site: 'LYO', location: 'LS-PCK1' },
];

const CHARACTERISTICS: { code: string; name: string; unit: string; lowerSpecLimit: number; upperSpecLimit: number; target: number; material: string }[] = [
  { code: 'FILL-WEIGHT', name: 'Net fill weight, 1 L bottle', unit: 'g', lowerSpecLimit: 1015, upperSpecLimit: 1045, target: 1030, material: 'SF-2101' },
  { code: 'VISCOSITY', name: 'Viscosity at 20 °C (Brookfield)', unit: 'mPa·s', lowerSpecLimit: 2200, upperSpecLimit: 2800, target: 2500, material: 'SF-2101' },
  { code: 'PH', name: 'pH value at 20 °C', unit: 'pH', lowerSpecLimit: 6.5, upperSpecLimit: 7.5, target: 7.0, material: 'SF-2101' },
];

const INSPECTION_PLANS: { code: string; name: string; material: string; characteristics: { code: string; sequence: number; sampleSize: number }[] }[] = [
  {
    code: 'QP-SF-2101',
    name: 'In-process inspection, cleaning concentrate 1 L bottle',
    material: 'SF-2101',
    characteristics: [
      { code: 'VISCOSITY', sequence: 10, sampleSize: 1 },
      { code: 'PH', sequence: 20, sampleSize: 1 },
      { code: 'FILL-WEIGHT', sequence: 30, sampleSize: 5 },
    ],
  },
];

interface OrderDef {
  erpOrderNumber: string;
  site: string;
  line: string;
  material: string;
  quantity: number;
  unit: string;
  customer: string | null;
  dueInDays: number;
  priority: number;
  operations: { sequence: number; workCell: string; description: string; setupSeconds: number; idealCycleSeconds: number }[];
}

const ORDERS: OrderDef[] = [
  // scenario 1: machining
  {
    erpOrderNumber: '1000101', site: 'BER', line: 'CNC1', material: 'FG-1001', quantity: 500, unit: 'PC', customer: 'ACME', dueInDays: 5, priority: 2,
    operations: [
      { sequence: 10, workCell: 'OP10', description: 'Mill body contours and bores', setupSeconds: 2700, idealCycleSeconds: 210 },
      { sequence: 20, workCell: 'OP20', description: 'Turn connection threads', setupSeconds: 1800, idealCycleSeconds: 150 },
      { sequence: 30, workCell: 'OP30', description: 'Deburr, wash and dry', setupSeconds: 600, idealCycleSeconds: 90 },
    ],
  },
  {
    erpOrderNumber: '1000102', site: 'BER', line: 'CNC1', material: 'FG-1002', quantity: 1200, unit: 'PC', customer: 'GLOBEX', dueInDays: 9, priority: 5,
    operations: [
      { sequence: 10, workCell: 'OP20', description: 'Turn flange from bar', setupSeconds: 1800, idealCycleSeconds: 95 },
      { sequence: 20, workCell: 'OP30', description: 'Deburr, wash and dry', setupSeconds: 600, idealCycleSeconds: 60 },
    ],
  },
  {
    // make-to-stock: no customer, so no partner sees it
    erpOrderNumber: '1000103', site: 'BER', line: 'CNC1', material: 'FG-1001', quantity: 200, unit: 'PC', customer: null, dueInDays: 14, priority: 7,
    operations: [
      { sequence: 10, workCell: 'OP10', description: 'Mill body contours and bores', setupSeconds: 2700, idealCycleSeconds: 210 },
      { sequence: 20, workCell: 'OP20', description: 'Turn connection threads', setupSeconds: 1800, idealCycleSeconds: 150 },
      { sequence: 30, workCell: 'OP30', description: 'Deburr, wash and dry', setupSeconds: 600, idealCycleSeconds: 90 },
    ],
  },
  // scenario 2: batch process with quality thresholds
  {
    erpOrderNumber: '2000201', site: 'LYO', line: 'MIX1', material: 'SF-2101', quantity: 6000, unit: 'PC', customer: 'INITECH', dueInDays: 3, priority: 3,
    operations: [
      { sequence: 10, workCell: 'MIX10', description: 'Mix batch 2000 L (formula CC-CIT-03)', setupSeconds: 1800, idealCycleSeconds: 0.6 },
      { sequence: 20, workCell: 'FIL20', description: 'Fill 1 L bottles', setupSeconds: 1200, idealCycleSeconds: 0.5 },
      { sequence: 30, workCell: 'CAP30', description: 'Cap bottles', setupSeconds: 600, idealCycleSeconds: 0.5 },
    ],
  },
  {
    erpOrderNumber: '2000202', site: 'LYO', line: 'MIX1', material: 'SF-2101', quantity: 3600, unit: 'PC', customer: 'GLOBEX', dueInDays: 8, priority: 5,
    operations: [
      { sequence: 10, workCell: 'MIX10', description: 'Mix batch 2000 L (formula CC-CIT-03)', setupSeconds: 1800, idealCycleSeconds: 0.6 },
      { sequence: 20, workCell: 'FIL20', description: 'Fill 1 L bottles', setupSeconds: 1200, idealCycleSeconds: 0.5 },
      { sequence: 30, workCell: 'CAP30', description: 'Cap bottles', setupSeconds: 600, idealCycleSeconds: 0.5 },
    ],
  },
  // scenario 3: packaging, completes pallets (60 cases each)
  {
    erpOrderNumber: '3000301', site: 'LYO', line: 'PCK1', material: 'FG-1101', quantity: 480, unit: 'CS', customer: 'INITECH', dueInDays: 4, priority: 3,
    operations: [
      { sequence: 10, workCell: 'CAS10', description: 'Pack bottles into cases of 12', setupSeconds: 900, idealCycleSeconds: 6 },
      { sequence: 20, workCell: 'PAL20', description: 'Palletize, 60 cases per pallet', setupSeconds: 300, idealCycleSeconds: 6 },
      { sequence: 30, workCell: 'STW30', description: 'Stretch-wrap and label pallets (SSCC)', setupSeconds: 300, idealCycleSeconds: 90 },
    ],
  },
  {
    erpOrderNumber: '3000302', site: 'LYO', line: 'PCK1', material: 'FG-1101', quantity: 300, unit: 'CS', customer: 'ACME', dueInDays: 7, priority: 5,
    operations: [
      { sequence: 10, workCell: 'CAS10', description: 'Pack bottles into cases of 12', setupSeconds: 900, idealCycleSeconds: 6 },
      { sequence: 20, workCell: 'PAL20', description: 'Palletize, 60 cases per pallet', setupSeconds: 300, idealCycleSeconds: 6 },
    ],
  },
];

/** ERP work center per work cell key, from the definition (falls back to the line's). */
const workCellErpCenters = new Map<string, string>(
  SITES.flatMap((site) =>
    site.areas.flatMap((area) =>
      area.lines.flatMap((line) =>
        line.workCells.map((cell): [string, string] => [`${site.code}/${line.code}/${cell.code}`, cell.erpWorkCenter ?? line.erpWorkCenter]),
      ),
    ),
  ),
);

// ------------------------------------------------------------------------------------------------
// Seeding
// ------------------------------------------------------------------------------------------------

/** Arbitrary constant: serializes concurrent seeders (two test workers, two start-ups). */
const SEED_LOCK_KEY = 7_006_001;

/**
 * Creates the demo plant in one transaction, unless the demo enterprise (code 'DEMO') exists, in
 * which case nothing is written. Either way it returns the demo plant's row counts.
 */
export async function seedDemoPlant(prisma: PrismaClient): Promise<DemoPlantSummary> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY}::bigint)`;
      const existing = await tx.enterprise.findUnique({ where: { code: DEMO_ENTERPRISE_CODE }, select: { id: true } });
      if (existing) return { created: false, counts: await countDemoPlant(tx, existing.id) };
      const enterpriseId = await createDemoPlant(tx, new Date());
      return { created: true, counts: await countDemoPlant(tx, enterpriseId) };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  if (h === undefined || m === undefined || Number.isNaN(h) || Number.isNaN(m)) throw new Error(`bad time ${hhmm}`);
  return h * 60 + m;
}

function must<T>(map: Map<string, T>, key: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`demo plant definition refers to unknown ${key}`);
  return value;
}

function daysFrom(base: Date, days: number, hourUtc: number): Date {
  return new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate() + days, hourUtc));
}

async function createDemoPlant(tx: Tx, now: Date): Promise<string> {
  const enterprise = await tx.enterprise.create({
    data: { code: DEMO_ENTERPRISE_CODE, name: 'Demo Manufacturing Group', erpCompanyCode: '1000' },
  });

  // assets ---------------------------------------------------------------------------------------
  const siteIds = new Map<string, string>(); // site code
  const lineIds = new Map<string, string>(); // site/line
  const workCellIds = new Map<string, string>(); // site/line/cell
  const tagSpecs: { assetId: string; tag: TagDef }[] = [];

  for (const site of SITES) {
    const { id: siteId } = await tx.site.create({
      data: {
        enterpriseId: enterprise.id,
        code: site.code,
        name: site.name,
        timezone: site.timezone,
        countryCode: site.countryCode,
        erpPlantCode: site.erpPlantCode,
      },
    });
    siteIds.set(site.code, siteId);

    await tx.shift.createMany({
      data: site.shifts.map((s) => ({
        siteId,
        code: s.code,
        name: s.name,
        startMinute: minutesOfDay(s.start),
        endMinute: minutesOfDay(s.end),
        weekdays: s.weekdays,
      })),
    });

    for (const area of site.areas) {
      const { id: areaId } = await tx.area.create({ data: { siteId, code: area.code, name: area.name } });
      for (const line of area.lines) {
        const { id: lineId } = await tx.line.create({
          data: {
            siteId,
            areaId,
            code: line.code,
            name: line.name,
            erpWorkCenter: line.erpWorkCenter,
            idealCycleSeconds: line.idealCycleSeconds,
          },
        });
        lineIds.set(`${site.code}/${line.code}`, lineId);

        // parents first, so children can point at them
        const ordered = [...line.workCells].sort((a, b) => Number(a.parent !== undefined) - Number(b.parent !== undefined));
        for (const cell of ordered) {
          const { id: cellId } = await tx.workCell.create({
            data: {
              lineId,
              parentId: cell.parent === undefined ? null : must(workCellIds, `${site.code}/${line.code}/${cell.parent}`),
              code: cell.code,
              name: cell.name,
              equipmentClass: cell.equipmentClass,
              erpWorkCenter: cell.erpWorkCenter ?? null,
              idealCycleSeconds: cell.idealCycleSeconds ?? null,
            },
          });
          workCellIds.set(`${site.code}/${line.code}/${cell.code}`, cellId);

          const identity = `${site.code}-${line.code}-${cell.code}`.toLowerCase();
          await tx.device.create({
            data: {
              identity,
              serialNumber: cell.device.serialNumber,
              vendor: cell.device.vendor,
              model: cell.device.model,
              credentialsHash: createHash('sha256').update(demoDeviceSecret(identity)).digest('hex'),
              assetKind: 'WORK_CELL',
              assetId: cellId,
            },
          });
          for (const tag of cell.tags) tagSpecs.push({ assetId: cellId, tag });
        }
      }
    }
  }

  // quality master data (tags refer to characteristics, characteristics to materials) --------------
  const materialIds = new Map<string, string>();
  const createdMaterials = await tx.material.createManyAndReturn({
    data: MATERIALS.map((m) => ({
      erpMaterialNumber: m.erpMaterialNumber,
      description: m.description,
      baseUnit: m.baseUnit,
      type: m.type,
      gtin: m.gtin ?? null,
    })),
    select: { id: true, erpMaterialNumber: true },
  });
  for (const m of createdMaterials) materialIds.set(m.erpMaterialNumber, m.id);

  const characteristicIds = new Map<string, string>();
  for (const c of CHARACTERISTICS) {
    const { id } = await tx.characteristic.create({
      data: {
        code: c.code,
        name: c.name,
        unit: c.unit,
        lowerSpecLimit: c.lowerSpecLimit,
        upperSpecLimit: c.upperSpecLimit,
        target: c.target,
        materialId: must(materialIds, c.material),
      },
    });
    characteristicIds.set(c.code, id);
  }
  for (const plan of INSPECTION_PLANS) {
    await tx.inspectionPlan.create({
      data: {
        code: plan.code,
        name: plan.name,
        materialId: must(materialIds, plan.material),
        characteristics: {
          create: plan.characteristics.map((pc) => ({
            characteristicId: must(characteristicIds, pc.code),
            sequence: pc.sequence,
            sampleSize: pc.sampleSize,
          })),
        },
      },
    });
  }

  await tx.tag.createMany({
    data: tagSpecs.map(({ assetId, tag }) => ({
      assetKind: 'WORK_CELL' as const,
      assetId,
      name: tag.name,
      description: tag.description,
      kind: tag.kind,
      unit: tag.unit ?? null,
      lowAlarm: tag.lowAlarm ?? null,
      lowWarn: tag.lowWarn ?? null,
      highWarn: tag.highWarn ?? null,
      highAlarm: tag.highAlarm ?? null,
      characteristicId: tag.characteristic === undefined ? null : must(characteristicIds, tag.characteristic),
    })),
  });

  // inventory -------------------------------------------------------------------------------------
  for (const bom of BOMS) {
    await tx.billOfMaterials.create({
      data: {
        materialId: must(materialIds, bom.material),
        description: bom.description,
        items: {
          create: bom.items.map((item, index) => ({
            position: (index + 1) * 10,
            componentMaterialId: must(materialIds, item.component),
            quantityPerUnit: item.quantity,
            unit: item.unit,
          })),
        },
      },
    });
  }

  const locationIds = new Map<string, string>(); // site/location
  for (const site of SITES) {
    const siteId = must(siteIds, site.code);
    for (const loc of site.locations) {
      const { id } = await tx.location.create({
        data: {
          siteId,
          code: loc.code,
          name: loc.name,
          type: loc.type,
          lineId: loc.lineCode === undefined ? null : must(lineIds, `${site.code}/${loc.lineCode}`),
        },
      });
      locationIds.set(`${site.code}/${loc.code}`, id);
    }
  }

  await tx.materialLot.createMany({
    data: LOTS.map((lot) => ({
      lotNumber: lot.lotNumber,
      materialId: must(materialIds, lot.material),
      quantity: lot.quantity,
      unit: lot.unit,
      status: lot.status,
      locationId: must(locationIds, `${lot.site}/${lot.location}`),
      supplierLotNumber: lot.supplierLotNumber ?? null,
    })),
  });

  // orders ----------------------------------------------------------------------------------------
  const customerIds = new Map<string, string>();
  const createdCustomers = await tx.customer.createManyAndReturn({ data: CUSTOMERS, select: { id: true, code: true } });
  for (const c of createdCustomers) customerIds.set(c.code, c.id);

  for (const order of ORDERS) {
    await tx.productionOrder.create({
      data: {
        erpOrderNumber: order.erpOrderNumber,
        materialId: must(materialIds, order.material),
        quantity: order.quantity,
        unit: order.unit,
        lineId: must(lineIds, `${order.site}/${order.line}`),
        siteId: must(siteIds, order.site),
        customerId: order.customer === null ? null : must(customerIds, order.customer),
        status: 'RELEASED',
        priority: order.priority,
        dueAt: daysFrom(now, order.dueInDays, 14),
        plannedStartAt: daysFrom(now, Math.max(0, order.dueInDays - 2), 6),
        releasedAt: now,
        operations: {
          create: order.operations.map((op) => ({
            sequence: op.sequence,
            workCellId: must(workCellIds, `${order.site}/${order.line}/${op.workCell}`),
            erpWorkCenter: must(workCellErpCenters, `${order.site}/${order.line}/${op.workCell}`),
            description: op.description,
            plannedQuantity: order.quantity,
            unit: order.unit,
            status: 'RELEASED',
            plannedSetupSeconds: op.setupSeconds,
            idealCycleSeconds: op.idealCycleSeconds,
          })),
        },
      },
    });
  }

  return enterprise.id;
}

/** Counts the demo plant's rows: hierarchy by enterprise, master data by the demo's natural keys. */
async function countDemoPlant(tx: Tx, enterpriseId: string): Promise<DemoPlantCounts> {
  const sites = await tx.site.findMany({ where: { enterpriseId }, select: { id: true } });
  const siteIds = sites.map((s) => s.id);
  const lines = await tx.line.findMany({ where: { siteId: { in: siteIds } }, select: { id: true } });
  const lineIds = lines.map((l) => l.id);
  const workCells = await tx.workCell.findMany({ where: { lineId: { in: lineIds } }, select: { id: true } });
  const assetIds = [...lineIds, ...workCells.map((w) => w.id)];
  const materialNumbers = MATERIALS.map((m) => m.erpMaterialNumber);
  const bomWhere = { material: { erpMaterialNumber: { in: materialNumbers } } };
  const orderNumbers = ORDERS.map((o) => o.erpOrderNumber);
  const planCodes = INSPECTION_PLANS.map((p) => p.code);

  return {
    enterprises: 1,
    sites: siteIds.length,
    areas: await tx.area.count({ where: { siteId: { in: siteIds } } }),
    lines: lineIds.length,
    workCells: workCells.length,
    devices: await tx.device.count({ where: { assetId: { in: assetIds } } }),
    tags: await tx.tag.count({ where: { assetId: { in: assetIds } } }),
    shifts: await tx.shift.count({ where: { siteId: { in: siteIds } } }),
    customers: await tx.customer.count({ where: { code: { in: CUSTOMERS.map((c) => c.code) } } }),
    materials: await tx.material.count({ where: { erpMaterialNumber: { in: materialNumbers } } }),
    billsOfMaterials: await tx.billOfMaterials.count({ where: bomWhere }),
    bomItems: await tx.bomItem.count({ where: { bom: bomWhere } }),
    locations: await tx.location.count({ where: { siteId: { in: siteIds } } }),
    materialLots: await tx.materialLot.count({ where: { lotNumber: { in: LOTS.map((l) => l.lotNumber) } } }),
    productionOrders: await tx.productionOrder.count({ where: { erpOrderNumber: { in: orderNumbers } } }),
    operations: await tx.operation.count({ where: { order: { erpOrderNumber: { in: orderNumbers } } } }),
    characteristics: await tx.characteristic.count({ where: { code: { in: CHARACTERISTICS.map((c) => c.code) } } }),
    inspectionPlans: await tx.inspectionPlan.count({ where: { code: { in: planCodes } } }),
    inspectionPlanCharacteristics: await tx.inspectionPlanCharacteristic.count({ where: { plan: { code: { in: planCodes } } } }),
  };
}
