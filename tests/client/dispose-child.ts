// A Node process that disposes its client at one of the awkward moments of issue #20, run by dispose-exit.test.ts as
// `node --import tsx dispose-child.ts <scenario> <server>`: it prints what each promise settled with, and must then
// exit by itself (no socket, timer or request of the client left). The simulator lives in the parent process.
// Where the moment is "while a request is held", the parent writes a line to stdin once the simulator has it.
import type { ComfyClient, ComfyWorkflow } from '../../src/client/index'
import { createInterface } from 'node:readline'
import WebSocket from 'ws'
import { createComfyClient } from '../../src/client/index'

const [scenario, server] = process.argv.slice(2)
if (!scenario || !server)
  throw new Error('usage: dispose-child.ts <scenario> <server>')

const workflow = (color: number): ComfyWorkflow => ({
  1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'exit' } },
})

function client(affinity: 'session' | 'task' = 'session'): ComfyClient {
  return createComfyClient({ servers: [server!], WebSocket, affinity, logger: false })
}

/** Resolves when the parent says the moment has come; stdin is let go of then, so it keeps nothing alive. */
function parentSaysGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin })
  return new Promise(resolve => lines.once('line', () => {
    lines.close()
    process.stdin.destroy()
    resolve()
  }))
}

const outcome = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'resolved', (error: { code?: string }) => `rejected ${error.code ?? String(error)}`)

switch (scenario) {
  case 'submit-session':
  case 'submit-task': {
    const c = client(scenario === 'submit-task' ? 'task' : 'session')
    const submitting = outcome(c.submit(workflow(1)))
    process.stdout.write('waiting\n')
    await parentSaysGo() // the simulator holds this submit's GET /object_info
    c.dispose()
    console.log(`submit: ${await submitting}`)
    break
  }
  case 'listener-succeeded': {
    const c = client()
    const { promptId, result } = await c.submit(workflow(2))
    c.subscribe(() => {
      if (c.tasks.get(promptId)?.state === 'succeeded')
        c.dispose()
    })
    console.log(`result: ${(await result).images.length} image`)
    break
  }
  case 'listener-all-done': {
    const c = client('task')
    const handles = await Promise.all([c.submit(workflow(3)), c.submit(workflow(4))])
    c.subscribe(() => {
      if (c.pendingCount === 0)
        c.dispose()
    })
    console.log(`results: ${(await Promise.all(handles.map(h => outcome(h.result)))).join(', ')}`)
    break
  }
  case 'load-image': {
    const c = client()
    const done = await (await c.submit(workflow(5))).result
    const loading = outcome(c.loadImage(done.images[0]!, done.server))
    process.stdout.write('waiting\n')
    await parentSaysGo() // the simulator holds this GET /view
    c.dispose()
    console.log(`loadImage: ${await loading}`)
    break
  }
  default:
    throw new Error(`unknown scenario ${scenario}`)
}
