import type { SimulatorRequest } from './types'

/** The simulator's request log: entries are added on arrival and completed (status) when answered. */
export class RequestLog {
  readonly entries: SimulatorRequest[] = []
  #seq = 0

  constructor(readonly server: () => string) {}

  add(entry: Omit<SimulatorRequest, 'seq' | 'time' | 'server' | 'promptIds'> & { promptIds?: string[] }): SimulatorRequest {
    const full: SimulatorRequest = { seq: ++this.#seq, time: Date.now(), server: this.server(), promptIds: [], ...entry }
    this.entries.push(full)
    return full
  }

  for(promptId: string): SimulatorRequest[] {
    return this.entries.filter(e => e.promptIds.includes(promptId))
  }

  clear(): void {
    this.entries.length = 0
  }
}
