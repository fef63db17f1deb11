import { shallowReactive } from 'vue'
import type { SimulatorAction } from './use-simulators'

/** A fault (or a recovery) the page asked a simulator for, as the lock timeline marks it. */
export interface FaultRecord {
  /** Epoch ms the button was pressed. */
  at: number
  /** Which simulator: its index in the server list. */
  index: number
  kind: SimulatorAction
  /** `silent` only: switched on (`true`) or off. */
  on?: boolean
}

/** Every fault sent from this page, oldest first; shared by the server buttons and the timeline. */
export const faults = shallowReactive<FaultRecord[]>([])

/** Adds a fault, keeping the newest 200. */
export function recordFault(fault: FaultRecord): void {
  faults.push(fault)
  if (faults.length > 200)
    faults.splice(0, faults.length - 200)
}
