import { useIntervalFn } from '@vueuse/core'
import type { InjectionKey } from 'vue'
import { inject, provide, shallowRef } from 'vue'
import type { SimulatorState as SimulatorSnapshot } from 'comfy-tether/testing'
import { simulated } from 'virtual:comfy-servers'
import { recordFault } from './faults'

/** One simulator as `GET /__comfy/sim/state` reports it: the simulator's own state, with where it is. */
export interface SimulatorState extends SimulatorSnapshot {
  index: number
  label: string
  url: string
}

/** The actions the dev server relays to a simulator (see `vite-plugin-comfy-servers.ts`). */
export type SimulatorAction = 'drop-sockets' | 'silent' | 'go-down' | 'come-up' | 'restart'

/**
 * The simulators behind the playground, when there are some: their state (polled) and a way to make them misbehave.
 * The requests go to the Vite dev server, never to a ComfyUI server, so they are not part of any task.
 */
export function useSimulators(pollMs = 1000) {
  const states = shallowRef<SimulatorState[]>([])
  const error = shallowRef<string | null>(null)
  const busy = shallowRef<number | null>(null)

  async function refresh(): Promise<void> {
    if (!simulated)
      return
    try {
      const res = await fetch('/__comfy/sim/state')
      if (!res.ok)
        throw new Error(`GET /__comfy/sim/state answered ${res.status}`)
      states.value = await res.json() as SimulatorState[]
    }
    catch (e) {
      error.value = `Could not read the simulators' state: ${e instanceof Error ? e.message : String(e)}`
    }
  }

  async function act(index: number, action: SimulatorAction, params: Record<string, unknown> = {}): Promise<void> {
    busy.value = index
    error.value = null
    const at = Date.now()
    try {
      const res = await fetch(`/__comfy/sim/${index}/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(params),
      })
      if (!res.ok) {
        const body = await res.json().catch(() => ({})) as { error?: string }
        throw new Error(body.error ?? `answered ${res.status}`)
      }
      recordFault({ at, index, kind: action, ...(typeof params.on === 'boolean' && { on: params.on }) })
    }
    catch (e) {
      error.value = `Simulator action "${action}" failed: ${e instanceof Error ? e.message : String(e)}`
    }
    finally {
      busy.value = null
      await refresh()
    }
  }

  if (simulated) {
    void refresh()
    useIntervalFn(() => void refresh(), pollMs)
  }

  return { simulated, states, error, busy, refresh, act }
}

/** The page's one set of simulators (one poll), shared by the servers panel and the lock panel. */
export type Simulators = ReturnType<typeof useSimulators>
const SIMULATORS_KEY: InjectionKey<Simulators> = Symbol('playground simulators')

/** Starts the simulators' poll for this component and the ones below it (call it once, in the app). */
export function provideSimulators(): Simulators {
  const sims = useSimulators()
  provide(SIMULATORS_KEY, sims)
  return sims
}

/** The simulators of {@link provideSimulators}, or a poll of its own when there is none above (a component mounted alone). */
export function injectSimulators(): Simulators {
  return inject(SIMULATORS_KEY, null) ?? useSimulators()
}
