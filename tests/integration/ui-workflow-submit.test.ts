import { PNG } from 'pngjs'
import { afterEach, describe, expect, it } from 'vitest'
import type { UiWorkflow } from '../../src/index'
import { defineWorkflow, isComfyTetherError, UiWorkflowError } from '../../src/index'
import type { ComfySimulator } from '../../src/testing/index'
import { createComfySimulator } from '../../src/testing/index'
import { mountComfy, unmountAll } from '../helpers/mount-comfy'
import { invertUiWorkflow, subgraphInvertUiWorkflow } from '../helpers/ui-workflows'
import { pngBlob, slowWorkflow } from '../helpers/workflows'

const sims: ComfySimulator[] = []
afterEach(async () => {
  unmountAll()
  await Promise.all(sims.splice(0).map(s => s.close()))
})

async function sim(options: Parameters<typeof createComfySimulator>[0] = {}): Promise<ComfySimulator> {
  const s = await createComfySimulator({ speed: 8, ...options })
  sims.push(s)
  return s
}

/** Uploads and prompts a simulator got: what "nothing was sent" means. */
function sent(s: ComfySimulator) {
  return s.requests.filter(r => r.kind === 'http' && r.method === 'POST' && (r.path === '/prompt' || r.path === '/upload/image'))
}

type Prompt = Record<string, { class_type: string, inputs: Record<string, unknown>, _meta?: { title?: string } }>

/** The prompt the simulator ran, from its `/history` (ComfyUI keeps it as `prompt[2]`). */
async function ranPrompt(s: ComfySimulator, promptId: string): Promise<Prompt> {
  const history = await (await fetch(`${s.url}/history/${promptId}`)).json() as Record<string, { prompt: [number, string, Prompt] }>
  return history[promptId]!.prompt[2]
}

async function expectInverted(url: string, input: Uint8Array): Promise<void> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  const out = PNG.sync.read(Buffer.from(await res.arrayBuffer()))
  expect(Buffer.from(out.data)).toEqual(Buffer.from(input.map((v, i) => (i % 4 === 3 ? v : 255 - v))))
}

/** Node types of the simulator without ImageInvert: a server whose custom nodes lack it. */
const WITHOUT_INVERT = ['LoadImage', 'EmptyImage', 'SaveImage', 'PreviewImage']

describe('submit(uiGraph)', () => {
  it('converts the graph with the server\'s /object_info, uploads the image to node 1 and returns the inverted image', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const { blob, pixels } = pngBlob()
    const handle = await store.submit(invertUiWorkflow(), { images: { 1: blob } })
    const result = await handle.result
    await expectInverted(result.imageUrls[0]!, pixels)
    const prompt = await ranPrompt(s, result.promptId)
    // The reroute is followed, the muted PreviewImage dropped, titles kept; the upload filled LoadImage's image.
    expect(Object.keys(prompt).sort()).toEqual(['1', '2', '3'])
    expect(prompt['2']).toEqual({ class_type: 'ImageInvert', inputs: { image: ['1', 0] }, _meta: { title: 'Invert Image Colors' } }) // the class's display name: the node has no title
    expect(prompt['3']).toEqual({ class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'inverted-ui' }, _meta: { title: 'Save' } })
    expect(prompt['1']?.inputs.image).not.toBe('placeholder.png')
    expect(handle.workflow.value?.format).toBe('ui')
    expect(handle.workflow.value?.prompt).toEqual(prompt)
    expect(handle.workflow.value?.outputs.files[0]).toMatchObject({ nodeId: '3', title: 'Save' })
  })

  it('records an API-format submit as such', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const handle = await store.submit({ 1: { class_type: 'EmptyImage', inputs: { width: 4, height: 4, batch_size: 1, color: 0 } }, 2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'api' } } })
    await handle.result
    expect(handle.workflow.value?.format).toBe('api')
  })

  describe.each(['task', 'session'] as const)('a mixed fleet (%s affinity)', (affinity) => {
    it('places the graph on the only server whose /object_info has all its node types', async () => {
      const lacking = await sim({ label: 'no-invert', nodes: WITHOUT_INVERT })
      const full = await sim({ label: 'full' })
      const { store } = mountComfy({ servers: [lacking.url, full.url], affinity })
      const { blob, pixels } = pngBlob()
      const result = await (await store.submit(invertUiWorkflow(), { images: { 1: blob } })).result
      expect(result.server).toBe(full.url)
      await expectInverted(result.imageUrls[0]!, pixels)
      expect(sent(lacking)).toEqual([])
    })

    it('fails with NO_CAPABLE_SERVER naming the missing node types and the unreadable /object_info, before anything is sent', async () => {
      const lacking = await sim({ label: 'no-invert', nodes: WITHOUT_INVERT })
      const unreadable = await sim({ label: 'unreadable' })
      unreadable.failNext('/object_info', 100, 500)
      const { store } = mountComfy({ servers: [lacking.url, unreadable.url], affinity })
      const error = await store.submit(invertUiWorkflow(), { images: { 1: pngBlob().blob } }).catch((e: unknown) => e)
      expect(isComfyTetherError(error, 'NO_CAPABLE_SERVER')).toBe(true)
      const lacks = (error as { lacks: Record<string, string[]> }).lacks
      expect(lacks[lacking.url]).toEqual(['node type ImageInvert'])
      expect(lacks[unreadable.url]?.join()).toContain('readable /object_info')
      expect((error as Error).message).toContain('UI-format workflow is converted')
      expect([...sent(lacking), ...sent(unreadable)]).toEqual([])
      expect(store.pendingCount).toBe(0)
    })
  })

  it('takes the image of a LoadImage inside a subgraph by its converted id "<instanceId>:<innerId>"', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const { blob, pixels } = pngBlob(3, 3)
    const result = await (await store.submit(subgraphInvertUiWorkflow(), { images: { '7:1': blob } })).result
    await expectInverted(result.imageUrls[0]!, pixels)
    expect(Object.keys(await ranPrompt(s, result.promptId)).sort()).toEqual(['3', '7:1', '7:2'])
  })

  it('still converts with validate: false (only the checks are skipped), and canRunOn answers for a UI graph', async () => {
    const lacking = await sim({ label: 'no-invert', nodes: WITHOUT_INVERT })
    const full = await sim({ label: 'full' })
    const { store } = mountComfy({ servers: [lacking.url, full.url] })
    expect(await store.canRunOn(invertUiWorkflow())).toEqual({ [lacking.url]: ['node type ImageInvert'], [full.url]: [] })
    const { blob, pixels } = pngBlob()
    const handle = await store.submit(invertUiWorkflow(), { images: { 1: blob }, validate: false })
    const result = await handle.result
    expect(result.server).toBe(full.url)
    await expectInverted(result.imageUrls[0]!, pixels)
    expect(handle.workflow.value?.format).toBe('ui')
  })

  it('keeps the session lock when the locked server lacks a node type of the graph (NO_CAPABLE_SERVER with lockedServer)', async () => {
    const locked = await sim({ label: 'slow-no-invert', nodes: [...WITHOUT_INVERT, 'TestSlowProgress'] })
    const other = await sim({ label: 'invert-no-slow', nodes: ['LoadImage', 'ImageInvert', 'EmptyImage', 'SaveImage', 'PreviewImage'] })
    const { store } = mountComfy({ servers: [locked.url, other.url], affinity: 'session' })
    const slow = await store.submit(slowWorkflow(4, 0.4))
    const error = await store.submit(invertUiWorkflow(), { images: { 1: pngBlob().blob } }).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'NO_CAPABLE_SERVER')).toBe(true)
    expect(error).toMatchObject({ lockedServer: locked.url, lacks: { [locked.url]: ['node type ImageInvert'] } })
    expect(store.lock?.server).toBe(locked.url)
    expect((await slow.result).server).toBe(locked.url)
    expect([...sent(other)]).toEqual([])
  })

  it('fails an unsupported graph with UiWorkflowError before any upload or prompt', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const graph = invertUiWorkflow() as UiWorkflow & { nodes: Record<string, unknown>[] }
    graph.nodes[3]!.widgets_values = ['too', 'many', 'values'] // SaveImage has one widget
    const error = await store.submit(graph, { images: { 1: pngBlob().blob } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UiWorkflowError)
    expect(isComfyTetherError(error, 'UNSUPPORTED_UI_WORKFLOW')).toBe(true)
    expect(error).toMatchObject({ reason: 'widget-mismatch', nodeId: '3', nodeType: 'SaveImage' })
    expect(sent(s)).toEqual([])
    expect(store.pendingCount).toBe(0)
  })

  it('rejects an image for a node the conversion drops (the muted one) with INVALID_IMAGE, before anything is sent', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const error = await store.submit(invertUiWorkflow(), { images: { 1: pngBlob().blob, 5: pngBlob().blob } }).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'INVALID_IMAGE')).toBe(true)
    expect((error as Error).message).toContain('"5"')
    expect(sent(s)).toEqual([])
  })

  it('rejects an image for a node id the graph lacks at once (INVALID_IMAGE), without asking any server', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const error = await store.submit(invertUiWorkflow(), { images: { 9: pngBlob().blob } }).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'INVALID_IMAGE')).toBe(true)
    expect(s.requests.filter(r => r.kind === 'http')).toEqual([])
  })
})

describe('defineWorkflow(uiGraph)', () => {
  it('binds parameters by node title and id, fills them after conversion and sends the values', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const tpl = defineWorkflow(invertUiWorkflow(), { params: { photo: 'Photo.image', prefix: '3.filename_prefix' } })
    const { blob, pixels } = pngBlob()
    const handle = await store.submit(tpl, { photo: blob, prefix: 'from-template' })
    const result = await handle.result
    await expectInverted(result.imageUrls[0]!, pixels)
    expect((await ranPrompt(s, result.promptId))['3']?.inputs.filename_prefix).toBe('from-template')
    expect(result.files[0]?.filename).toMatch(/^from-template_/)
    expect(handle.workflow.value).toMatchObject({ format: 'ui', values: { photo: blob, prefix: 'from-template' } })
  })

  it('checks targets at define time as far as the graph tells: unknown node, shared title', () => {
    const graph = invertUiWorkflow() as UiWorkflow & { nodes: Record<string, unknown>[] }
    graph.nodes[2]!.title = 'Save'
    let error: unknown
    try {
      defineWorkflow(graph, { params: { a: 'Nowhere.text', b: 'Save.filename_prefix', c: '3.filename_prefix' } })
    }
    catch (e) {
      error = e
    }
    expect(isComfyTetherError(error, 'INVALID_WORKFLOW_PARAMS')).toBe(true)
    expect((error as { problems: { param: string }[] }).problems.map(p => p.param)).toEqual(['a', 'b'])
  })

  it('rejects a target input the converted node lacks with INVALID_WORKFLOW_PARAMS naming the server, before anything is sent', async () => {
    const s = await sim()
    const { store } = mountComfy({ servers: [s.url] })
    const tpl = defineWorkflow(invertUiWorkflow(), { params: { prefix: 'Save.prefix' } })
    const error = await store.submit(tpl, { prefix: 'x' }).catch((e: unknown) => e)
    expect(isComfyTetherError(error, 'INVALID_WORKFLOW_PARAMS')).toBe(true)
    expect((error as Error).message).toContain('filename_prefix')
    expect((error as Error).message).toContain(s.url)
    expect(sent(s)).toEqual([])
  })
})
