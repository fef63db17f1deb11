import { describe, expect, it } from 'vitest'
import { shouldHoldBack } from '../../src/core/placement'
import { smoothServiceTime } from '../../src/core/service-time'

const fast = (pending: number) => ({ url: 'fast', pending, serviceMs: 75 })
const slow = (pending: number) => ({ url: 'slow', pending, serviceMs: 300 })

describe('shouldHoldBack', () => {
  it('places on a slow server while the backlog is long', () => {
    expect(shouldHoldBack(slow(0), [fast(2), slow(0)], 100)).toBe(false)
  })

  it('holds a task back from a slow server at the end of a batch, when a fast one would finish it sooner', () => {
    // 2 pending on fast + 1 waiting: the backlog is done in 3 / (1/75 + 1/300) = 180 ms; on slow it takes 300 ms.
    expect(shouldHoldBack(slow(0), [fast(2), slow(0)], 1)).toBe(true)
  })

  it('lets each of 8 equal servers take a 7th task while 50 are in flight (none of 50 submits waits for good)', () => {
    const equal = Array.from({ length: 8 }, (_, i) => ({ url: `s${i}`, pending: 6, serviceMs: 30 }))
    expect(shouldHoldBack(equal[0]!, equal, 2)).toBe(false)
  })

  it('never holds back when nothing is pending anywhere (the task would wait forever)', () => {
    expect(shouldHoldBack(slow(0), [fast(0), slow(0)], 1)).toBe(false)
  })

  it('never holds back while any service time is unknown', () => {
    expect(shouldHoldBack(slow(0), [{ url: 'fast', pending: 2, serviceMs: null }, slow(0)], 1)).toBe(false)
    expect(shouldHoldBack({ url: 'x', pending: 0, serviceMs: null }, [fast(2)], 1)).toBe(false)
  })
})

describe('smoothServiceTime', () => {
  it('starts at the first sample and moves 30 % towards each new one', () => {
    expect(smoothServiceTime(undefined, 100)).toBe(100)
    expect(smoothServiceTime(100, 200)).toBe(130)
  })
})
