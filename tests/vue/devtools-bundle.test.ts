// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildApp } from '../helpers/build-app'

// An app that installs comfy-tether, bundled by Vite as a user's app would be: the devtools code must be gone from a
// production bundle (the `process.env.NODE_ENV` branch is dead, and `sideEffects: false` drops the module).

async function bundle(mode: 'production' | 'development'): Promise<string> {
  return (await buildApp(mode)).map(chunk => chunk.code).join('\n')
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('vue devtools in bundles', () => {
  it('is tree-shaken from a production build, and present in a development build', async () => {
    const production = await bundle('production')
    expect(production).toContain('comfy-tether') // the library is in the bundle…
    expect(production).not.toContain('@vue/devtools-api') // …but neither the import…
    expect(production).not.toContain('comfy-tether:lock') // …nor the timeline layer
    const development = await bundle('development')
    expect(development).toMatch(/import\(["']@vue\/devtools-api["']\)/)
    expect(development).toContain('comfy-tether:lock')
  })
})
