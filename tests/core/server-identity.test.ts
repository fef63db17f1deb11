import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { assertDistinctServers, configuredServer, DuplicateServerError, serverIdentity } from '../../src/core/server-identity'
import { normalizeServerUrl } from '../../src/core/server-url'

const identity = (url: string): string => serverIdentity(normalizeServerUrl(url))

describe('one identity per server', () => {
  it.each<[string, string]>([
    ['http://h:8188', 'http://h:8188/api'],
    ['http://h:8188', 'http://h:8188/api/'],
    ['https://h/comfy', 'https://h/comfy/api'],
    ['http://h:80', 'http://h'],
    ['https://h:443/x', 'https://h/x'],
    ['http://h:8188/', 'http://h:8188//'],
    ['HTTP://H:8188', 'http://h:8188'],
    ['http://h/a/../b', 'http://h/b'],
    ['http://h/a/%2e%2e/b/api', 'http://h/b'],
    ['http://[::1]:8188', 'http://[0:0::1]:8188/api'],
  ])('%s and %s name the same ComfyUI', (a, b) => {
    expect(identity(a)).toBe(identity(b))
  })

  it.each<[string, string]>([
    ['http://localhost:8188', 'http://127.0.0.1:8188'],
    ['http://h:8188', 'http://h:8189'],
    ['http://h:8188', 'https://h:8188'],
    ['http://h/a', 'http://h/b'],
    ['http://h/a', 'http://h/apis'],
    ['http://h/A', 'http://h/a'],
  ])('%s and %s are different servers', (a, b) => {
    expect(identity(a)).not.toBe(identity(b))
  })

  it('refuses a duplicate with a typed error naming both entries', () => {
    let thrown: unknown
    try {
      assertDistinctServers([normalizeServerUrl('http://h:8188'), normalizeServerUrl('http://x:1'), normalizeServerUrl('http://h:8188/api')])
    }
    catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(DuplicateServerError)
    expect(isComfyTetherError(thrown, 'INVALID_OPTIONS')).toBe(true)
    expect(thrown).toMatchObject({ first: 'http://h:8188', second: 'http://h:8188/api', indices: [0, 2] })
    expect((thrown as Error).message).toMatch(/^\[comfy-tether\] servers\[2\] \("http:\/\/h:8188\/api"\) is the same ComfyUI as servers\[0\] \("http:\/\/h:8188"\)/)
  })

  it('lets distinct servers through', () => {
    expect(() => assertDistinctServers(['http://localhost:8188', 'http://127.0.0.1:8188', 'http://h/a', 'http://h/b'])).not.toThrow()
  })
})

describe('configuredServer: any spelling of a configured server', () => {
  const servers = ['http://127.0.0.1:8188', 'https://gpu.example/comfy']
  it.each<[string, string]>([
    ['http://127.0.0.1:8188/', 'http://127.0.0.1:8188'],
    ['HTTP://127.0.0.1:8188', 'http://127.0.0.1:8188'],
    ['http://127.0.0.1:8188/api', 'http://127.0.0.1:8188'],
    ['https://GPU.example:443/comfy/', 'https://gpu.example/comfy'],
    ['https://gpu.example/x/../comfy', 'https://gpu.example/comfy'],
  ])('reads %s as %s', (input, server) => {
    expect(configuredServer(input, servers, 'abandon')).toBe(server)
  })

  it.each(['http://127.0.0.1:8189', 'https://gpu.example/comfy2', 'http://gpu.example/comfy'])('refuses %s, which is not configured, with INVALID_SERVER_URL listing the servers', (input) => {
    let thrown: unknown
    try {
      configuredServer(input, servers, 'abandon')
    }
    catch (error) {
      thrown = error
    }
    expect(isComfyTetherError(thrown, 'INVALID_SERVER_URL')).toBe(true)
    expect((thrown as Error).message).toContain('abandon()')
    expect((thrown as Error).message).toContain('https://gpu.example/comfy')
  })
})
