// A tether's context for the unit tier: the client's side of a tether (its tasks, log, frames) as plain stand-ins,
// with the socket class and the rest given by each test.
import type { TetherContext } from '../../src/client/server-tether'
import type { ComfyWebSocketConstructor } from '../../src/client/socket'
import type { ComfyTask } from '../../src/core/task-state'
import type { ResolvedComfyOptions } from '../../src/client/options'
import { webSocketFactory } from '../../src/client/socket'
import { defaultTimers } from '../../src/core/timers'

/** What a test gives: its options, calls, socket class and tasks; everything else answers as an idle client would. */
export interface TetherContextInput extends Pick<TetherContext, 'api' | 'queue'> {
  options: ResolvedComfyOptions
  WebSocket: ComfyWebSocketConstructor
  tasks: Map<string, ComfyTask>
  ready?: () => boolean
}

/** A tether context over `tasks` (pending: queued or running), with the platform's timers (fake ones under vi). */
export function tetherContext(input: TetherContextInput): TetherContext {
  const { tasks } = input
  return {
    options: input.options,
    api: input.api,
    queue: input.queue,
    clientId: () => 'client-1',
    ready: input.ready ?? (() => true),
    pendingOn: () => [...tasks.values()].filter(t => t.state === 'queued' || t.state === 'running'),
    getTask: id => tasks.get(id),
    setTask: task => void tasks.set(task.promptId, task),
    record: () => {},
    onFrame: () => {},
    resubmit: async () => false,
    updateServer: () => {},
    wasSent: () => true,
    timers: defaultTimers,
    createSocket: webSocketFactory(input.WebSocket, defaultTimers),
    changed: () => {},
  }
}
