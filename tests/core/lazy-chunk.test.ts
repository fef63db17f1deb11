// A part of comfy-tether that loads on first use (the workflow checks, the server API's calls) may fail to load: the
// network drops while the app fetches it, or a new deploy removed the old file. The caller gets a typed error and a
// later call loads again, instead of a raw import error for good.
import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { ChunkLoadError, lazyChunk } from '../../src/core/lazy-chunk'
import { sleep } from '../helpers/wait'

describe('lazyChunk', () => {
  it('rejects a failed load with CHUNK_LOAD_FAILED naming the chunk, then loads on the next call', async () => {
    let attempts = 0
    const load = lazyChunk('workflow checks', async () => {
      attempts++
      if (attempts === 1)
        throw new TypeError('Failed to fetch dynamically imported module: https://app.example/assets/workflow-checks-1a2b.js')
      return { ok: true }
    })
    const failure = await load().catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ChunkLoadError)
    expect(isComfyTetherError(failure, 'CHUNK_LOAD_FAILED')).toBe(true)
    expect((failure as ChunkLoadError).message).toMatch(/^\[comfy-tether\] could not load comfy-tether's workflow checks/)
    expect((failure as ChunkLoadError).chunk).toBe('workflow checks')
    expect(await load()).toEqual({ ok: true })
    expect(await load()).toEqual({ ok: true })
    expect(attempts).toBe(2) // loaded once it succeeded, not again
  })

  it('shares one load between calls made while it is under way', async () => {
    let attempts = 0
    const load = lazyChunk('server API calls', async () => {
      attempts++
      await sleep(5)
      return attempts
    })
    expect(await Promise.all([load(), load(), load()])).toEqual([1, 1, 1])
  })
})
