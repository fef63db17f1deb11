import type { ComfyWorkflow } from '../core/validate-input'
import type { Engine } from './engine'
import type { ComfyClientTaskHandle, ComfyTaskResult } from './types'
import { InvalidArgumentError } from '../core/errors'
import { configuredServer } from '../core/server-identity'
import { createTask, isTerminal } from '../core/task-state'
import { nodesToRun, startWorkflowProgress, workflowKey } from '../core/workflow-progress'
import { taskHandle } from './task-handle'
import { createWorkflowInsight } from './workflow-insight'

/** What `resume()` follows: a prompt that another process (or an earlier run of this one) sent. */
export interface ComfyResumeOptions {
  /** The configured server the prompt was sent to (any spelling of it). */
  server: string
  /** The prompt id it was sent under (the one minted before `POST /prompt`). */
  promptId: string
  /**
   * The client id it was sent with. ComfyUI sends a prompt's progress frames only to the socket of that id, so for a
   * prompt sent by another client (whose process is gone) a second socket of that id is opened to the prompt's server
   * while the task is pending; `/history` and the queue are asked too (every `reconcile.interval` while it is silent).
   * Do not resume a prompt whose sender is still connected: the new socket would take its frames.
   */
  clientId?: string
  /**
   * Give the prompt (API format, as it was to be sent) when the record says it may not have reached the server (the
   * sender died around its `POST /prompt`). It is then looked up under `promptId`, and sent under that same id only
   * once the server provably does not have it (on neither the queue nor the history past `reconcile.lostGrace`, and the
   * server keeps client prompt ids). Without it, a prompt the server does not have ends `lost` (`TASK_LOST`).
   */
  workflow?: ComfyWorkflow
  /** The `extra_data` to send with `workflow`, if it is sent again. */
  extraData?: Record<string, unknown>
  /**
   * The prompt as it was sent (API format), when the record says it reached the server: it is never sent again, only
   * read to follow the whole workflow's progress (`handle.workflow`), as for a task this client sent.
   */
  prompt?: ComfyWorkflow
}

const PROMPT_ID = /^[\w-]{1,128}$/

/**
 * `resume()`: follows a prompt this client did not send. The task becomes pending on its server (the lock is taken,
 * the socket opened) and is reconciled at once with `/history` and the queue, under the same lost rules as any task:
 * it is never sent again, except as `workflow` above says.
 */
export function createResume(engine: Engine) {
  const { state } = engine
  engine.workflows.attach(createWorkflowInsight) // before the first task it tracks (the background chunk may still load)
  const handleOf = (promptId: string, result: Promise<ComfyTaskResult>): ComfyClientTaskHandle => taskHandle(engine, promptId, result)
  return async function resume(options: ComfyResumeOptions): Promise<ComfyClientTaskHandle> {
    const { promptId, workflow } = options ?? {}
    if (typeof promptId !== 'string' || !PROMPT_ID.test(promptId))
      throw new InvalidArgumentError('INVALID_OPTIONS', `[comfy-tether] resume() needs the promptId the prompt was sent under (letters, digits, "-" or "_"); got ${JSON.stringify(promptId)?.slice(0, 80)}.`)
    for (const [name, given] of [['workflow', workflow], ['prompt', options.prompt]] as const) {
      if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given)))
        throw new InvalidArgumentError('INVALID_WORKFLOW', `[comfy-tether] resume({ ${name} }) takes the prompt in API format (an object of nodes by id), or nothing.`)
    }
    const server = configuredServer(options.server, engine.serverUrls, 'resume')
    if (engine.sessionMode) {
      const held = state.heldSessionServer()
      if (held && held !== server)
        throw new InvalidArgumentError('INVALID_OPTIONS', `[comfy-tether] resume() of ${promptId} on ${server} refused: this client (affinity 'session') is locked to ${held} while its tasks are pending. Use a client with affinity: 'task', or wait for them.`)
    }
    const known = engine.cache.get(promptId)
    if (known && !isTerminal(known.snapshot.state)) {
      if (known.server !== server)
        throw new InvalidArgumentError('INVALID_OPTIONS', `[comfy-tether] resume() of ${promptId} on ${server} refused: this client follows it on ${known.server}.`)
      return handleOf(known.promptId, known.result())
    }
    await engine.untilDisposed('resume()', waitUntilReady())
    if (!state.tethers.has(server))
      engine.openTether(server, 'resumed')
    engine.cancelRelease(server)
    const at = engine.now()
    const created = createTask({ promptId, server, clientId: options.clientId ?? state.clientId, now: at })
    // A task of the same id that ended here before starts again: a fresh task object with a fresh result.
    if (known)
      engine.cache.forget(known)
    const task = engine.cache.put({ ...created, state: 'queued', queuedAt: at, unconfirmed: workflow !== undefined })
    if (workflow)
      task.unsent = { prompt: workflow, extraData: options.extraData, resends: 0 }
    const followed = workflow ?? options.prompt
    if (followed) // the whole workflow's progress, as for a task this client sent
      task.dispatch({ type: 'track', prompt: followed, filled: null, key: workflowKey(followed), progress: startWorkflowProgress(nodesToRun(followed, undefined)), format: 'api' })
    const result = task.result()
    state.record('acquire', `resumed ${promptId} on ${server}${options.clientId && options.clientId !== state.clientId ? ` (sent by client ${options.clientId}: followed through a socket of that id, the history and the queue)` : ''}${workflow ? '; it may not have reached the server: looking it up before sending it again under the same id' : ''}`, { server, promptId })
    const tether = state.tethers.get(server)
    tether?.ensureSocket()
    tether?.schedulePoll(0)
    if (options.clientId && options.clientId !== state.clientId)
      engine.followPrompt(server, promptId, options.clientId)
    return handleOf(promptId, result)
  }

  function waitUntilReady(): Promise<void> {
    if (state.ready)
      return Promise.resolve()
    return new Promise((resolve) => {
      const stop = engine.onChange(() => {
        if (state.ready) {
          stop()
          resolve()
        }
      })
    })
  }
}
