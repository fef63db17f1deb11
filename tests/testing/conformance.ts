import type { ComfySimulator, ManualClock, SimulatorVersion, Transcript } from '../../src/testing/index'
import type { Allowance } from '../../src/testing/shape-compare'
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createComfySimulator, createManualClock, listTranscripts, loadTranscript, RECORDED_TIMING, replayTranscript, samplePng } from '../../src/testing/index'
import { compareFrameOrder, compareStatusOrder } from '../../src/testing/order-compare'
import { compareReplay } from '../../src/testing/shape-compare'

/** The recordings of real ComfyUI servers, in the repository (see tests/fixtures/comfyui/README.md). */
export const REFERENCE = new URL('../fixtures/comfyui/', import.meta.url)

/**
 * Recorded time as it was: the replay moves the simulator's manual clock to each recorded moment (no real waiting),
 * so node time and prompt starts interleave with the recorded requests the same way on every run.
 */
const SPEED = 1

const PREVIEWS_ARE_PNG: Allowance = { where: /:: (?:metadata\.)?image_type$/, kinds: ['value'], reason: 'previews are PNG, not JPEG' }
const TRACEBACKS: Allowance = {
  where: /:: (?:.*\.)?(?:traceback(?:\.\d+)?|current_inputs\.image\.0)$/,
  kinds: ['value', 'length'],
  reason: 'tracebacks and tensor reprs point into the simulator',
}

/** Where the simulator differs from the recordings on purpose, per scenario. */
function allowances(scenario: string): Allowance[] {
  switch (scenario) {
    case '01':
      return [{ where: /GET \/system_stats :: (?:system|devices)\./, kinds: ['value', 'length'], reason: 'system_stats values describe the simulator' }]
    case '04':
    case '06':
      return [PREVIEWS_ARE_PNG]
    case '07':
      return [{ where: /:: node_errors\.2\.errors\.0\.extra_info\.traceback/, kinds: ['value', 'length'], reason: 'validation tracebacks point into the simulator' }]
    case '08':
      return [TRACEBACKS]
    case '10':
      return [{ where: /GET \/api\/jobs\?limit=5 :: (?:jobs|pagination\.(?:total|has_more))/, kinds: ['value', 'length'], reason: 'each scenario starts on a fresh simulator, so the job list holds only its own jobs' }]
    case '14':
      return [{ where: /GET \/api\/jobs\?status=completed,cancelled,failed&limit=3 :: (?:jobs|pagination\.total)$/, kinds: ['value', 'length'], reason: 'the recorded list also holds a job of an earlier scenario (13) on the same server' }]
    default:
      return []
  }
}

function loadImageName(transcript: Transcript): string | undefined {
  for (const ev of transcript.events) {
    if ('http' in ev && ev.http.request.path === '/prompt') {
      const prompt = (ev.http.request.json as { prompt?: Record<string, { class_type?: string, inputs?: { image?: unknown } }> } | undefined)?.prompt
      for (const node of Object.values(prompt ?? {})) {
        if (node.class_type === 'LoadImage' && typeof node.inputs?.image === 'string')
          return node.inputs.image
      }
    }
  }
  return undefined
}

/**
 * What the recorded server already had when the scenario started (they ran 01-13 in order on one server):
 * scenario 04 needs 03's upload, 05 needs 04's run in the cache, 13 needs 04's files.
 */
async function prepare(sim: ComfySimulator, clock: ManualClock, scenario: string, run04: Transcript): Promise<void> {
  if (!['04', '05', '13'].includes(scenario))
    return
  const name = loadImageName(run04)
  if (!name)
    throw new Error('scenario 04 has no LoadImage')
  const form = new FormData()
  form.append('image', new Blob([new Uint8Array(samplePng(1))], { type: 'image/png' }), name)
  expect((await fetch(`${sim.url}/upload/image`, { method: 'POST', body: form })).status).toBe(200)
  if (scenario === '04')
    return
  const post = run04.events.find(ev => 'http' in ev && ev.http.request.path === '/prompt')
  const body = post && 'http' in post ? post.http.request.json : undefined
  const res = await fetch(`${sim.url}/prompt`, { method: 'POST', body: JSON.stringify(body) })
  const { prompt_id: id } = await res.json() as { prompt_id: string }
  await clock.advanceTo(Infinity)
  const history = await (await fetch(`${sim.url}/history/${id}`)).json() as Record<string, unknown>
  if (!history[id])
    throw new Error('the setup run of scenario 04 did not finish')
}

/**
 * One `it` per recorded scenario of `folder`, replayed against a fresh simulator of `version` with the recorded
 * servers' timing, on a manual clock the replay moves. Shapes are compared, the order of `status` broadcasts around
 * the answers that cause them, and every socket's frames in exact order; `otherFolder` (a second real recording of
 * the same scenarios) allows the orderings around the answers in which the two real recordings differ.
 */
export function describeConformance(version: SimulatorVersion, folder: string, otherFolder?: string, scenarios = 13): void {
  const dir = new URL(`${folder}/`, REFERENCE)
  const otherDir = otherFolder === undefined ? undefined : new URL(`${otherFolder}/`, REFERENCE)
  describe(`simulator ${version} replays ${folder} (frames in order; status broadcasts also around the answers that cause them)`, () => {
    const sims: ComfySimulator[] = []
    afterEach(async () => {
      await Promise.all(sims.splice(0).map(s => s.close()))
    })

    it(`finds the ${scenarios} recorded scenarios`, () => {
      expect(listTranscripts(dir).map(f => f.slice(0, 2))).toEqual(Array.from({ length: scenarios }, (_, i) => String(i + 1).padStart(2, '0')))
    })

    const files = listTranscripts(dir)
    const run04 = files.includes('04_prompt_run_legacy_client.json') ? loadTranscript(dir, '04_prompt_run_legacy_client.json') : undefined
    for (const file of files) {
      const scenario = file.slice(0, 2)
      const allow = allowances(scenario)
      const reasons = allow.map(a => a.reason)
      it(`${file.replace(/\.json$/, '')}${reasons.length ? ` (differs on purpose: ${reasons.join('; ')})` : ''}`, async () => {
        const clock = createManualClock()
        const sim = await createComfySimulator({ version, speed: SPEED, clock, timing: RECORDED_TIMING })
        sims.push(sim)
        if (run04)
          await prepare(sim, clock, scenario, run04)
        const result = await replayTranscript(sim, loadTranscript(dir, file), { speed: SPEED, clock })
        expect(compareReplay(result, allow)).toEqual([])
        const other = otherDir && existsSync(new URL(file, otherDir)) ? loadTranscript(otherDir, file) : undefined
        expect(compareStatusOrder(result, other)).toEqual([])
        expect(compareFrameOrder(result)).toEqual([])
      })
    }
  })
}
