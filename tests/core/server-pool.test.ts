import { describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/core/errors'
import type { ServerStatus } from '../../src/core/server-pool'
import { chooseServer, leastBusyStrategy } from '../../src/core/server-pool'

function status(url: string, health: ServerStatus['health'], queueRemaining: number | null, error: string | null = null): ServerStatus {
  return { url, label: url, health, queueRemaining, checkedAt: 0, error, unreachableSince: null }
}

describe('chooseServer', () => {
  it('takes the healthy server with the shortest queue', () => {
    expect(chooseServer([status('a', 'healthy', 3), status('b', 'healthy', 1), status('c', 'unreachable', 0)], leastBusyStrategy)).toBe('b')
  })
  it('counts this client\'s own pending tasks as load', () => {
    expect(chooseServer([status('a', 'healthy', 0), status('b', 'healthy', 1)], leastBusyStrategy, url => (url === 'a' ? 5 : 0))).toBe('b')
  })
  it('breaks ties by configuration order', () => {
    expect(chooseServer([status('a', 'healthy', 2), status('b', 'healthy', 2)], leastBusyStrategy)).toBe('a')
  })
  it('fails with NO_SERVER_AVAILABLE listing each server\'s problem', () => {
    let thrown: unknown
    try {
      chooseServer([status('http://a', 'unreachable', null, 'ECONNREFUSED')], leastBusyStrategy)
    }
    catch (error) {
      thrown = error
    }
    expect(isComfyTetherError(thrown, 'NO_SERVER_AVAILABLE')).toBe(true)
    expect((thrown as Error).message).toContain('http://a: ECONNREFUSED')
  })
  it('joins the reasons into one sentence, and mentions pending tasks only when there are some', () => {
    const down = [status('http://a', 'unreachable', null, 'GET /prompt failed: no answer (ECONNREFUSED).'), status('http://b', 'unreachable', null, 'GET /prompt failed: no answer within 3000 ms')]
    const messageOf = (ownPending: (url: string) => number): string => {
      try {
        chooseServer(down, leastBusyStrategy, ownPending)
      }
      catch (error) {
        return (error as Error).message
      }
      return ''
    }
    const none = messageOf(() => 0)
    expect(none).toBe('[comfy-tether] No server available: none of "http://a", "http://b" is reachable (http://a: GET /prompt failed: no answer (ECONNREFUSED); http://b: GET /prompt failed: no answer within 3000 ms). Check that ComfyUI runs there and allows this origin (--enable-cors-header), then try again.')
    expect(messageOf(url => (url === 'http://a' ? 2 : 0))).toContain('). Nothing new was submitted; the 2 task(s) of this client already pending there stay pending until their server answers again (at most maxOutage). Check')
  })
  it('refuses a custom strategy\'s answer that is not a healthy configured server', () => {
    expect(() => chooseServer([status('a', 'healthy', 0)], () => 'zzz')).toThrow(/No server available/)
    expect(() => chooseServer([status('a', 'unreachable', 0)], () => 'a')).toThrow(/No server available/)
  })
})
