// Line state detection, pure: given an asset's open state interval and its new observations in
// time order, which intervals start. An observation is a STATE tag reading (`DOWN:SPINDLE_JAM`) or,
// for an asset without a STATE tag, a counter that went up (it produces, so it runs).
import { equipmentStates } from '../../core/events.ts';

export type EquipmentState = (typeof equipmentStates)[number];

export interface OpenInterval {
  state: EquipmentState;
  startedAt: Date;
  reasonCode: string | null;
}

export interface StateObservation {
  state: EquipmentState;
  reasonCode: string | null;
  time: Date;
  readingId: string;
}

export interface StateChange extends StateObservation {
  previousState: EquipmentState | null;
}

/** `RUNNING`, `DOWN:SPINDLE_JAM` → state and reason code; anything else → null (not a state). */
export function parseStateValue(text: string): { state: EquipmentState; reasonCode: string | null } | null {
  const separator = text.indexOf(':');
  const state = (separator === -1 ? text : text.slice(0, separator)).trim().toUpperCase();
  if (!(equipmentStates as readonly string[]).includes(state)) return null;
  const reason = separator === -1 ? '' : text.slice(separator + 1).trim();
  return { state: state as EquipmentState, reasonCode: reason ? reason.slice(0, 64) : null };
}

/**
 * The state changes the observations make, in order. Only a different state is a change (a
 * repeated RUNNING is a heartbeat); an observation older than the open interval's start is late
 * and changes nothing.
 */
export function detectStateChanges(open: OpenInterval | null, observations: readonly StateObservation[]): StateChange[] {
  const changes: StateChange[] = [];
  let current = open;
  for (const observation of [...observations].sort((a, b) => a.time.getTime() - b.time.getTime())) {
    if (current && observation.time.getTime() <= current.startedAt.getTime()) continue;
    if (current?.state === observation.state) continue;
    changes.push({ ...observation, previousState: current?.state ?? null });
    current = { state: observation.state, startedAt: observation.time, reasonCode: observation.reasonCode };
  }
  return changes;
}
