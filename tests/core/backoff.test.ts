import { describe, expect, it } from 'vitest'
import { backoffCeiling, backoffDelay } from '../../src/core/backoff'

describe('backoffDelay', () => {
  it('doubles from 1 s up to the 30 s cap without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map(n => backoffDelay(n, { jitter: 'none' }))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
  })

  it('draws a full-jitter delay between 0 and the ceiling', () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(0)
    expect(backoffDelay(3, {}, () => 0.5)).toBe(2000)
    expect(backoffDelay(3, {}, () => 0.999)).toBeLessThanOrEqual(backoffCeiling(3))
  })

  it('spreads many clients over the window instead of reconnecting in lockstep', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4)))
    expect(delays.size).toBeGreaterThan(10)
  })

  it('honours custom base and cap and survives huge attempt numbers', () => {
    expect(backoffDelay(1, { baseDelay: 50, jitter: 'none' })).toBe(50)
    expect(backoffDelay(1000, { baseDelay: 50, maxDelay: 400, jitter: 'none' })).toBe(400)
    expect(backoffDelay(0, { jitter: 'none' })).toBe(1000)
  })
})
