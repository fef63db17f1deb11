import type { ComfyNodeError, ComfyTetherError } from '../core/errors'
import type { LockEvent } from '../core/lock-log'
import type { ComfyTask } from '../core/task-state'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { FilledWorkflow, WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { Engine } from './engine'
import type { createPlacement } from './placement'
import type { ComfyClientTaskHandle, ComfyTaskResult, SubmitOptions } from './types'
import type { ServerFit } from './workflow-checks'
import { isComfyTetherError, ProtocolError, TaskCancelledError } from '../core/errors'
import { RequestFailedError, TaskNotFoundError } from '../core/request-errors'
import { mintUuid } from '../core/ids'
import { endTask, isTerminal, updateTask } from '../core/task-state'
import { nodesToRun } from '../core/workflow-progress'
import { createCanceller } from './cancel-task'
import { currentId } from './engine'
import { taskHandle } from './task-handle'
import { loadWorkflowChecks, workflowChecks } from './load-workflow-checks'
import { createQueueNumbers } from './queue-numbers'
import { createSubmitWaits } from './submit-waits'
import { resolveSource, uncheckedInputs } from './workflow-source'

/** How often an unconfirmed prompt may be sent again (each after a grace period on neither /queue nor /history). */
const MAX_RESENDS = 3

/** Did the request fail before any byte reached the server (connection refused)? Then resending cannot duplicate it. */
function refusedBeforeSending(error: ComfyTetherError): boolean {
  const cause = error.cause as { code?: unknown } | undefined
  return cause?.code === 'ECONNREFUSED'
}

/** submit, its run to `POST /prompt`, the resend of unconfirmed prompts, and cancel. */
export function createTaskRunner(engine: Engine, placement: ReturnType<typeof createPlacement>) {
  const { api, state, options, objectInfos, workflows } = engine
  /** A submit's view of the node info: the classes its workflow uses, per server (`undefined`: unreadable). */
  const nodeInfoOf = (classes: readonly string[]) => ({
    get: (server: string, fresh?: boolean) => objectInfos.get(server, classes, fresh).catch(() => undefined),
    peek: (server: string) => objectInfos.peek(server, classes),
  })
  const queueNumbers = createQueueNumbers()
  const live = (promptId: string): ComfyTask | undefined => {
    const task = state.tasks.get(promptId)
    return task && !isTerminal(task.state) ? task : undefined
  }

  /** Goes on only while the client lives: each await of a submit and of its background run goes through it. */
  const alive = <T>(work: Promise<T>): Promise<T> => engine.untilDisposed('submit()', work)

  const { waitUntilReady, waitForSocket } = createSubmitWaits(engine, alive)

  /**
   * Submits a workflow, or a template with its values: places it, then runs it in the background (see `runTask`).
   * Resolves once the task has its server.
   */
  async function submit(first: ComfyWorkflow | UiWorkflow | WorkflowTemplate, second?: unknown, third?: SubmitOptions): Promise<ComfyClientTaskHandle> {
    const resolving = resolveSource(first, second, third, objectInfos.known())
    // Waiting for the restore starts before any await (a template resolves once the workflow checks are loaded), so
    // that disposal during the restore rejects this submit; a wrong argument may reject it first.
    const ready = waitUntilReady()
    ready.catch(() => {})
    const { source, options: submitOptions, filled: early } = await alive(Promise.resolve(resolving))
    const images = submitOptions.images ?? {}
    await ready
    const validate = submitOptions.validate !== false
    const skip = uncheckedInputs(submitOptions, early)
    const checks = validate || source.format === 'ui' ? await alive(loadWorkflowChecks()) : undefined
    const promptId = mintUuid()
    const nodeInfo = nodeInfoOf(source.classes)
    const fit = checks?.createServerFit(source, skip, nodeInfo, validate)
    const server = await alive(placement.placeTask(promptId, fit, submitOptions.server))
    const { prompt, filled } = source.placed(server, nodeInfo.peek(server))
    workflows.track(promptId, server, prompt, filled, nodesToRun(prompt, nodeInfo.peek(server)), source.format)
    const result = new Promise<ComfyTaskResult>((resolve, reject) => engine.settlers.set(promptId, { resolve, reject }))
    result.catch(() => {}) // the app may never await it; the task's state carries the error either way
    void runTask(promptId, server, prompt, images, submitOptions.extraData, { validate, filled, fit, nodeInfo, onBeforeSend: submitOptions.onBeforeSend })
    return taskHandle(engine, promptId, result)
  }

  /** Waits while the task's server is in an outage; `false` when the task ended meanwhile (lost, cancelled). */
  async function waitForServer(server: string, promptId: string): Promise<boolean> {
    await alive(state.tethers.get(server)?.whenReachable() ?? Promise.resolve())
    return !!live(currentId(engine, promptId))
  }

  /**
   * POST /prompt got no answer: only the server can say whether it was queued, so reconcile asks instead of resending.
   * A prompt whose frames said it runs is on the server: confirmed, never sent again (a restart loses it, as any other).
   */
  function markUnconfirmed(promptId: string, server: string): void {
    const task = state.tasks.get(promptId)
    if (task?.state === 'running')
      engine.unconfirmedPrompts.delete(promptId)
    else if (task && !isTerminal(task.state))
      engine.setTask({ ...task, state: 'queued', unconfirmed: true, queuedAt: Date.now() })
    state.record('reconcile', `POST /prompt of ${promptId} got no answer from ${server}; asking the server instead of resending`, { server, promptId })
    state.tethers.get(server)?.schedulePoll(0)
    if (task?.cancelRequested)
      cancelLater(promptId) // cancelled while the POST was in flight: delete it there in case it arrived
  }

  const cancelled = (task: ComfyTask, server: string): void => engine.setTask(endTask(task, 'cancelled', new TaskCancelledError(server, task.promptId, 'not-sent'), Date.now()))

  async function runTask(promptId: string, server: string, prompt: ComfyWorkflow, images: Record<string, Blob>, extraData: Record<string, unknown> | undefined, check: { validate: boolean, filled: FilledWorkflow | null, fit: ServerFit | undefined, nodeInfo: ReturnType<typeof nodeInfoOf>, onBeforeSend: SubmitOptions['onBeforeSend'] }): Promise<void> {
    try {
      await alive(waitForSocket(server, options.socketOpenTimeout))
      // Nothing is sent into a known outage: wait for the server (the outage rule ends the task after maxOutage).
      if (!await waitForServer(server, promptId))
        return
      const info = check.validate ? await alive(check.nodeInfo.get(server)) : undefined
      if (check.filled && workflowChecks().fitSeeds(prompt, check.filled, info)) // a template: filled by the loaded checks
        workflows.touch(promptId)
      if (check.validate && check.fit) // its verdict is cached unless the server's node info changed since placement
        await alive(check.fit.assertFits(server))
      for (const [nodeId, file] of Object.entries(images)) {
        const name = file instanceof File && file.name ? file.name : `comfy-tether-${promptId.slice(0, 8)}-${nodeId}.png`
        const uploaded = await alive(api.uploadImage({ server, file, filename: name, promptId }))
        const node = prompt[nodeId]
        if (node)
          node.inputs = { ...node.inputs, image: uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name }
      }
      const before = live(promptId)
      if (!before)
        return
      if (before.cancelRequested)
        return cancelled(before, server)
      if (check.onBeforeSend) {
        await alive(Promise.resolve(check.onBeforeSend({ server, promptId, clientId: state.clientId })))
        const after = live(promptId)
        if (!after || after.cancelRequested)
          return after && cancelled(after, server)
      }
      engine.unconfirmedPrompts.set(promptId, { prompt, extraData, resends: 0 })
      let accepted
      let mark = 0
      for (;;) {
        if (!await waitForServer(server, promptId))
          return
        const now = state.tasks.get(promptId)
        if (now?.cancelRequested) // cancelled while it waited for the server
          return cancelled(now, server)
        engine.sending.add(promptId)
        mark = queueNumbers.mark(server)
        try {
          accepted = await alive(api.queuePrompt({ server, promptId, clientId: state.clientId, prompt, extraData }))
          break
        }
        catch (error) {
          if (!isComfyTetherError(error, 'SERVER_UNREACHABLE'))
            throw error
          // A refused connection sent nothing: wait out the outage and send it then. Any other silence is ambiguous.
          if (!refusedBeforeSending(error))
            return markUnconfirmed(promptId, server)
          engine.sending.delete(promptId)
          state.tethers.get(server)?.markUnreachable(`POST /prompt: ${error.detail}`)
        }
      }
      onAccepted(promptId, server, accepted, mark)
      const ignored = new Set(Object.values(accepted.node_errors).flatMap(e => e.dependent_outputs ?? []))
      if (ignored.size > 0) // a partly valid prompt: the server runs only the outputs that passed
        workflows.retarget(currentId(engine, promptId), nodesToRun(prompt, check.nodeInfo.peek(server), ignored))
    }
    catch (error) {
      const task = state.tasks.get(currentId(engine, promptId))
      if (task && !engine.isDisposed()) // disposed: the task's result was already rejected with CLIENT_DISPOSED
        engine.setTask(endTask(task, 'failed', isComfyTetherError(error) ? error : new RequestFailedError(server, 'submit', undefined, `task ${promptId}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }), Date.now()))
    }
  }

  /** `POST /prompt` was answered: follow the prompt under the id the server gave, and carry out a cancel made meanwhile. */
  function onAccepted(promptId: string, server: string, accepted: { prompt_id: string, number: number, node_errors: Record<string, ComfyNodeError> }, mark: number): void {
    engine.unconfirmedPrompts.delete(promptId)
    engine.sending.delete(promptId)
    if (accepted.prompt_id !== promptId && state.tasks.has(accepted.prompt_id)) {
      // Two submits answered with one prompt id: one task could never settle. The server broke the protocol.
      const task = state.tasks.get(promptId)
      if (task)
        engine.setTask(endTask(task, 'failed', new ProtocolError(server, `POST /prompt answered prompt_id ${accepted.prompt_id} for task ${promptId}, an id it already gave another task of this client`), Date.now()))
      return
    }
    engine.honoursIds.set(server, accepted.prompt_id === promptId)
    const id = accepted.prompt_id === promptId ? promptId : rekey(promptId, accepted.prompt_id)
    const tether = state.tethers.get(server)
    if (queueNumbers.answered(server, mark, accepted.number)) {
      objectInfos.suspect(server)
      tether?.noteRestart()
    }
    const task = live(id)
    if (task)
      engine.setTask({ ...task, state: task.state === 'preparing' ? 'queued' : task.state, number: accepted.number, queuedAt: task.queuedAt ?? Date.now(), nodeErrors: accepted.node_errors })
    engine.persist() // a reload now knows the prompt reached the server, and its place in the queue
    if (id !== promptId)
      void tether?.reconcile('server assigned its own prompt id')
    tether?.schedulePoll()
    // cancel() while the POST was in flight: the prompt is on the server now, so cancel it there.
    if (state.tasks.get(id)?.cancelRequested)
      cancelLater(id)
  }

  /**
   * Sends an unconfirmed prompt again under the same id, once it is on neither `/queue` nor `/history` past the grace
   * period: the server never got it (or lost it in a restart), so this cannot run it twice. Only for servers that
   * honour client ids (an older one would mint a new id each time), and at most `MAX_RESENDS` times.
   */
  async function resubmit(task: ComfyTask): Promise<boolean> {
    const entry = engine.unconfirmedPrompts.get(task.promptId)
    if (task.cancelRequested) {
      // Cancelled, and on neither /queue nor /history past the grace period: it never ran and is not sent again.
      cancelled(task, task.server)
      return true
    }
    if (!entry || entry.resends >= MAX_RESENDS)
      return false
    let honours = engine.honoursIds.get(task.server)
    if (honours === undefined) {
      try {
        honours = await alive(api.honoursClientPromptIds(task.server))
        engine.honoursIds.set(task.server, honours)
      }
      catch (error) {
        const current = live(task.promptId)
        if (!current || !isComfyTetherError(error, 'SERVER_UNREACHABLE'))
          return false
        engine.setTask(updateTask(current, { missingSince: null })) // no answer: ask again after another grace period
        return true
      }
    }
    if (!honours)
      return false
    entry.resends++
    state.record('reconcile', `POST /prompt of ${task.promptId} reached neither the queue nor the history of ${task.server}: sending it again under the same id (${entry.resends}/${MAX_RESENDS})`, { server: task.server, promptId: task.promptId })
    try {
      const accepted = await alive(api.queuePrompt({ server: task.server, promptId: task.promptId, clientId: state.clientId, prompt: entry.prompt, extraData: entry.extraData }))
      engine.unconfirmedPrompts.delete(task.promptId)
      const current = live(task.promptId)
      if (current)
        engine.setTask(updateTask(current, { state: current.state === 'running' ? 'running' : 'queued', number: accepted.number, unconfirmed: false, missingSince: null }))
    }
    catch (error) {
      if (engine.isDisposed())
        return true
      const current = live(task.promptId)
      if (current && isComfyTetherError(error, 'SERVER_UNREACHABLE'))
        engine.setTask(updateTask(current, { missingSince: null })) // still unanswered: look again after another grace period
      else if (current)
        engine.setTask(endTask(current, 'failed', isComfyTetherError(error) ? error : new RequestFailedError(task.server, 'POST /prompt', undefined, String(error), { cause: error }), Date.now()))
    }
    return true
  }

  /** Servers older than ComfyUI 0.3.45 ignore the client's prompt id and answer with their own: follow theirs. */
  function rekey(from: string, to: string): string {
    const task = state.tasks.get(from)
    if (!task)
      return to
    state.tasks.delete(from)
    state.pendingIds.delete(from)
    engine.renamed.set(from, to)
    workflows.rekey(from, to)
    const settle = engine.settlers.get(from)
    engine.settlers.delete(from)
    if (settle)
      engine.settlers.set(to, settle)
    engine.setTask({ ...task, promptId: to })
    state.record('acquire', `${task.server} ignored the client prompt id ${from} and queued it as ${to} (ComfyUI older than 0.3.45)`, { server: task.server, promptId: to })
    return to
  }

  const { cancelOnServer, cancelLater } = createCanceller({
    api,
    queue: engine.serverQueue,
    getTask: id => state.tasks.get(id),
    setTask: engine.setTask,
    lostGraceMs: options.reconcile.lostGrace,
    schedulePoll: server => state.tethers.get(server)?.schedulePoll(),
    note: (task, message) => state.record('refuse', message, { server: task.server, promptId: task.promptId }),
    refused(promptId, server, message, code) {
      if (engine.isDisposed()) // the background cancel was cut short by dispose(): nothing to tell any more
        return
      state.record('refuse', message, { server, promptId, code: code as LockEvent['code'] })
      options.logger.warn(message)
    },
  })

  /**
   * Cancels a task on its own server: a queued task is deleted from the queue, a running one is interrupted (only
   * once `/queue` shows it is ours that runs). A task not sent yet is stopped before its `POST /prompt`; one whose
   * `POST /prompt` is in flight is cancelled on the server as soon as the answer comes.
   */
  async function cancel(promptId: string): Promise<void> {
    const id = currentId(engine, promptId)
    const task = state.tasks.get(id)
    if (!task)
      throw new TaskNotFoundError(promptId)
    if (isTerminal(task.state))
      return
    engine.setTask({ ...task, cancelRequested: true })
    // Not sent yet: runTask stops it before its POST /prompt. In flight: the server may run it before the answer
    // comes, so it is cancelled there now under its client-minted id (and again once the answer comes). Also when we
    // do not know yet whether the server keeps minted ids (its first POST): a delete of an unknown id changes nothing
    // there, and an interrupt is only sent when /queue shows that id running.
    if (task.state === 'preparing' && !task.unconfirmed && !(engine.sending.has(id) && engine.honoursIds.get(task.server) !== false))
      return
    await cancelOnServer(id)
  }

  return { submit: submit as ComfySubmit, resubmit, cancel }
}

/** `submit()`: a workflow (API or UI format) with options, or a template with its values and options. */
export interface ComfySubmit {
  (workflow: ComfyWorkflow | UiWorkflow, submitOptions?: SubmitOptions): Promise<ComfyClientTaskHandle>
  <P extends string>(template: WorkflowTemplate<P>, values: WorkflowValues<P>, submitOptions?: SubmitOptions): Promise<ComfyClientTaskHandle>
}
