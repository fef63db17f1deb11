import type { ComfyNodeError, ComfyTetherError } from '../core/errors'
import type { LockEvent } from '../core/lock-log'
import type { ComfyTask } from '../core/task-state'
import type { UiWorkflow } from '../core/ui-workflow'
import type { ComfyWorkflow } from '../core/validate-input'
import type { FilledWorkflow, WorkflowTemplate, WorkflowValues } from '../core/workflow-template'
import type { Engine } from './engine'
import type { createPlacement } from './placement'
import type { Task } from './task'
import type { ComfyClientTaskHandle, SubmitOptions } from './types'
import type { ServerFit } from './workflow-checks'
import { isComfyTetherError, ProtocolError } from '../core/errors'
import { TaskCancelledError } from '../core/task-errors'
import { RequestFailedError, TaskNotFoundError } from '../core/request-errors'
import { mintUuid } from '../core/ids'
import { endTask, isTerminal } from '../core/task-state'
import { nodesToRun, startWorkflowProgress, workflowKey } from '../core/workflow-progress'
import { createCanceller } from './cancel-task'
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
  const { api, state, options, objectInfos } = engine
  /** A submit's view of the node info: the classes its workflow uses, per server (`undefined`: unreadable). */
  const nodeInfoOf = (classes: readonly string[]) => ({
    get: (server: string, fresh?: boolean) => objectInfos.get(server, classes, fresh).catch(() => undefined),
    peek: (server: string) => objectInfos.peek(server, classes),
  })
  const queueNumbers = createQueueNumbers()
  const { cache } = engine
  /** The task's state while it has not ended (it may have been re-keyed by an old server: the object follows). */
  const live = (task: Task): ComfyTask | undefined => {
    const snapshot = task.snapshot
    return isTerminal(snapshot.state) || cache.get(task.promptId) !== task ? undefined : snapshot
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
    const task = cache.get(promptId)
    if (!task) // ended and dropped (taskRetention: 0) between its placement and now
      throw new TaskNotFoundError(promptId)
    const { prompt, filled } = source.placed(server, nodeInfo.peek(server))
    task.dispatch({ type: 'track', prompt, filled, key: workflowKey(prompt), progress: startWorkflowProgress(nodesToRun(prompt, nodeInfo.peek(server))), format: source.format })
    const result = task.result()
    void runTask(task, server, prompt, images, submitOptions.extraData, { validate, filled, fit, nodeInfo, onBeforeSend: submitOptions.onBeforeSend })
    return taskHandle(engine, promptId, result)
  }

  /** Waits while the task's server is in an outage; `false` when the task ended meanwhile (lost, cancelled). */
  async function waitForServer(server: string, task: Task): Promise<boolean> {
    await alive(state.tethers.get(server)?.whenReachable() ?? Promise.resolve())
    return !!live(task)
  }

  /**
   * POST /prompt got no answer: only the server can say whether it was queued, so reconcile asks instead of resending.
   * A prompt whose frames said it runs is on the server: confirmed, never sent again (a restart loses it, as any other).
   */
  function markUnconfirmed(task: Task, server: string): void {
    const { promptId } = task
    const snapshot = task.snapshot
    if (snapshot.state === 'running')
      task.unsent = undefined
    else if (!isTerminal(snapshot.state))
      task.dispatch({ type: 'patch', changes: { state: 'queued', unconfirmed: true, queuedAt: engine.now() } })
    state.record('reconcile', `POST /prompt of ${promptId} got no answer from ${server}; asking the server instead of resending`, { server, promptId })
    state.tethers.get(server)?.schedulePoll(0)
    if (snapshot.cancelRequested)
      cancelLater(promptId) // cancelled while the POST was in flight: delete it there in case it arrived
  }

  const cancelled = (task: Task, server: string): void => task.dispatch({ type: 'set', task: endTask(task.snapshot, 'cancelled', new TaskCancelledError(server, task.promptId, 'not-sent'), engine.now()) })

  async function runTask(task: Task, server: string, prompt: ComfyWorkflow, images: Record<string, Blob>, extraData: Record<string, unknown> | undefined, check: { validate: boolean, filled: FilledWorkflow | null, fit: ServerFit | undefined, nodeInfo: ReturnType<typeof nodeInfoOf>, onBeforeSend: SubmitOptions['onBeforeSend'] }): Promise<void> {
    try {
      await alive(waitForSocket(server, options.socketOpenTimeout))
      // Nothing is sent into a known outage: wait for the server (the outage rule ends the task after maxOutage).
      if (!await waitForServer(server, task))
        return
      const info = check.validate ? await alive(check.nodeInfo.get(server)) : undefined
      if (check.filled && workflowChecks().fitSeeds(prompt, check.filled, info)) // a template: filled by the loaded checks
        task.dispatch({ type: 'touch' })
      if (check.validate && check.fit) // its verdict is cached unless the server's node info changed since placement
        await alive(check.fit.assertFits(server))
      for (const [nodeId, file] of Object.entries(images)) {
        const name = file instanceof File && file.name ? file.name : `comfy-tether-${task.promptId.slice(0, 8)}-${nodeId}.png`
        const uploaded = await alive(api.uploadImage({ server, file, filename: name, promptId: task.promptId }))
        const node = prompt[nodeId]
        if (node)
          node.inputs = { ...node.inputs, image: uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name }
      }
      const before = live(task)
      if (!before)
        return
      if (before.cancelRequested)
        return cancelled(task, server)
      const { promptId } = task
      if (check.onBeforeSend) {
        await alive(Promise.resolve(check.onBeforeSend({ server, promptId, clientId: state.clientId })))
        const after = live(task)
        if (!after || after.cancelRequested)
          return after && cancelled(task, server)
      }
      task.unsent = { prompt, extraData, resends: 0 }
      let accepted
      let mark = 0
      for (;;) {
        if (!await waitForServer(server, task))
          return
        if (task.snapshot.cancelRequested) // cancelled while it waited for the server
          return cancelled(task, server)
        task.sending = true
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
            return markUnconfirmed(task, server)
          task.sending = false
          state.tethers.get(server)?.markUnreachable(`POST /prompt: ${error.detail}`)
        }
      }
      onAccepted(task, server, accepted, mark)
      const ignored = new Set(Object.values(accepted.node_errors).flatMap(e => e.dependent_outputs ?? []))
      if (ignored.size > 0) // a partly valid prompt: the server runs only the outputs that passed
        task.dispatch({ type: 'retarget', nodes: nodesToRun(prompt, check.nodeInfo.peek(server), ignored) })
    }
    catch (error) {
      const current = live(task)
      if (current && !engine.isDisposed()) // disposed: the task's result was already rejected with CLIENT_DISPOSED
        task.dispatch({ type: 'set', task: endTask(current, 'failed', isComfyTetherError(error) ? error : new RequestFailedError(server, 'submit', undefined, `task ${task.promptId}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }), engine.now()) })
    }
  }

  /** `POST /prompt` was answered: follow the prompt under the id the server gave, and carry out a cancel made meanwhile. */
  function onAccepted(task: Task, server: string, accepted: { prompt_id: string, number: number, node_errors: Record<string, ComfyNodeError> }, mark: number): void {
    const { promptId } = task
    task.unsent = undefined
    task.sending = false
    if (accepted.prompt_id !== promptId && cache.snapshot(accepted.prompt_id)) {
      // Two submits answered with one prompt id: one task could never settle. The server broke the protocol.
      const current = live(task)
      if (current)
        task.dispatch({ type: 'set', task: endTask(current, 'failed', new ProtocolError(server, `POST /prompt answered prompt_id ${accepted.prompt_id} for task ${promptId}, an id it already gave another task of this client`), engine.now()) })
      return
    }
    engine.honoursIds.set(server, accepted.prompt_id === promptId)
    if (accepted.prompt_id !== promptId)
      rekey(task, accepted.prompt_id)
    const tether = state.tethers.get(server)
    if (queueNumbers.answered(server, mark, accepted.number)) {
      objectInfos.suspect(server)
      tether?.noteRestart()
    }
    const current = live(task)
    if (current)
      task.dispatch({ type: 'patch', changes: { state: current.state === 'preparing' ? 'queued' : current.state, number: accepted.number, queuedAt: current.queuedAt ?? engine.now(), nodeErrors: accepted.node_errors } })
    engine.persist() // a reload now knows the prompt reached the server, and its place in the queue
    if (task.promptId !== promptId)
      void tether?.reconcile('server assigned its own prompt id')
    tether?.schedulePoll()
    // cancel() while the POST was in flight: the prompt is on the server now, so cancel it there.
    if (task.snapshot.cancelRequested)
      cancelLater(task.promptId)
  }

  /**
   * Sends an unconfirmed prompt again under the same id, once it is on neither `/queue` nor `/history` past the grace
   * period: the server never got it (or lost it in a restart), so this cannot run it twice. Only for servers that
   * honour client ids (an older one would mint a new id each time), and at most `MAX_RESENDS` times.
   */
  async function resubmit(task: ComfyTask): Promise<boolean> {
    const owner = cache.get(task.promptId)
    const entry = owner?.unsent
    if (task.cancelRequested && owner) {
      // Cancelled, and on neither /queue nor /history past the grace period: it never ran and is not sent again.
      cancelled(owner, task.server)
      return true
    }
    if (!owner || !entry || entry.resends >= MAX_RESENDS)
      return false
    let honours = engine.honoursIds.get(task.server)
    if (honours === undefined) {
      try {
        honours = await alive(api.honoursClientPromptIds(task.server))
        engine.honoursIds.set(task.server, honours)
      }
      catch (error) {
        if (!live(owner) || !isComfyTetherError(error, 'SERVER_UNREACHABLE'))
          return false
        owner.dispatch({ type: 'patch', changes: { missingSince: null } }) // no answer: ask again after another grace period
        return true
      }
    }
    if (!honours)
      return false
    entry.resends++
    state.record('reconcile', `POST /prompt of ${task.promptId} reached neither the queue nor the history of ${task.server}: sending it again under the same id (${entry.resends}/${MAX_RESENDS})`, { server: task.server, promptId: task.promptId })
    try {
      const accepted = await alive(api.queuePrompt({ server: task.server, promptId: task.promptId, clientId: state.clientId, prompt: entry.prompt, extraData: entry.extraData }))
      owner.unsent = undefined
      const current = live(owner)
      if (current)
        owner.dispatch({ type: 'patch', changes: { state: current.state === 'running' ? 'running' : 'queued', number: accepted.number, unconfirmed: false, missingSince: null } })
    }
    catch (error) {
      if (engine.isDisposed())
        return true
      const current = live(owner)
      if (current && isComfyTetherError(error, 'SERVER_UNREACHABLE'))
        owner.dispatch({ type: 'patch', changes: { missingSince: null } }) // still unanswered: look again after another grace period
      else if (current)
        owner.dispatch({ type: 'set', task: endTask(current, 'failed', isComfyTetherError(error) ? error : new RequestFailedError(task.server, 'POST /prompt', undefined, String(error), { cause: error }), engine.now()) })
    }
    return true
  }

  /** Servers older than ComfyUI 0.3.45 ignore the client's prompt id and answer with their own: follow theirs. */
  function rekey(task: Task, to: string): void {
    const from = task.promptId
    cache.rename(from, to)
    state.record('acquire', `${task.server} ignored the client prompt id ${from} and queued it as ${to} (ComfyUI older than 0.3.45)`, { server: task.server, promptId: to })
  }

  const { cancelOnServer, cancelLater } = createCanceller({
    now: engine.now,
    api,
    queue: engine.serverQueue,
    getTask: id => cache.snapshot(id),
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
    const owner = cache.get(promptId)
    if (!owner)
      throw new TaskNotFoundError(promptId)
    const task = owner.snapshot
    const id = task.promptId
    if (isTerminal(task.state))
      return
    owner.dispatch({ type: 'patch', changes: { cancelRequested: true } })
    // Not sent yet: runTask stops it before its POST /prompt. In flight: the server may run it before the answer
    // comes, so it is cancelled there now under its client-minted id (and again once the answer comes). Also when we
    // do not know yet whether the server keeps minted ids (its first POST): a delete of an unknown id changes nothing
    // there, and an interrupt is only sent when /queue shows that id running.
    if (task.state === 'preparing' && !task.unconfirmed && !(owner.sending && engine.honoursIds.get(task.server) !== false))
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
