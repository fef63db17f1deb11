import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import { isUrlOnServer, normalizeServerUrl, serverOfUrl, serverViewUrl, serverWsUrl } from '../../src/core/server-url'

describe('normalizeServerUrl', () => {
  it.each([
    ['http://127.0.0.1:8188', 'http://127.0.0.1:8188'],
    ['http://127.0.0.1:8188/', 'http://127.0.0.1:8188'],
    ['HTTP://LocalHost:8188//', 'http://localhost:8188'],
    ['https://gpu.example/comfy/', 'https://gpu.example/comfy'],
    ['  http://a:80  ', 'http://a'],
  ])('makes %s the canonical %s', (input, expected) => {
    expect(normalizeServerUrl(input)).toBe(expected)
  })

  it.each([
    ['', 'non-empty'],
    ['localhost:8188', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['ws://a:8188', 'scheme'],
    ['http://user:pass@a:8188', 'credentials'],
    ['http://a:8188/?x=1', 'query'],
    ['not a url', 'not an absolute URL'],
  ])('rejects %j with INVALID_SERVER_URL mentioning %s', (input, words) => {
    let thrown: unknown
    try {
      normalizeServerUrl(input)
    }
    catch (error) {
      thrown = error
    }
    expect(isComfyTetherError(thrown, 'INVALID_SERVER_URL')).toBe(true)
    expect((thrown as Error).message).toContain(words)
  })

  it('rejects non-strings', () => {
    expect(() => normalizeServerUrl(42)).toThrow(/non-empty string/)
  })
})

describe('derived URLs', () => {
  it('builds the socket URL with the clientId, keeping a path prefix and TLS', () => {
    expect(serverWsUrl('http://a:8188', 'abc')).toBe('ws://a:8188/ws?clientId=abc')
    expect(serverWsUrl('https://h/comfy', 'abc')).toBe('wss://h/comfy/ws?clientId=abc')
  })

  it('builds /view URLs with encoded parameters', () => {
    expect(serverViewUrl('http://a:8188', { filename: 'a b&.png', subfolder: '', type: 'output' }))
      .toBe('http://a:8188/view?filename=a+b%26.png&subfolder=&type=output')
  })

  it('tells which configured server a URL is on, by origin and path prefix', () => {
    const servers = ['http://a:8188', 'https://h/comfy', 'https://h/comfy2']
    expect(serverOfUrl('http://a:8188/prompt', servers)).toBe('http://a:8188')
    expect(serverOfUrl('https://h/comfy/history/x', servers)).toBe('https://h/comfy')
    expect(serverOfUrl('https://h/comfy2/queue', servers)).toBe('https://h/comfy2')
    expect(serverOfUrl('http://a:8189/prompt', servers)).toBeUndefined()
    expect(serverOfUrl('garbage', servers)).toBeUndefined()
    expect(isUrlOnServer('https://h/comfyX/prompt', 'https://h/comfy')).toBe(false)
  })
})
