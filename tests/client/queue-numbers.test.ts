// A restart told by prompt numbers: ComfyUI counts its prompts from 0 in each process, and the answers of concurrent
// submits reach the client in any order.
import { describe, expect, it } from 'vitest'
import { createQueueNumbers } from '../../src/client/queue-numbers'

describe('prompt numbers', () => {
  it('take answers of concurrent submits in any order for what they are', () => {
    const numbers = createQueueNumbers()
    const first = numbers.mark('a')
    const second = numbers.mark('a')
    expect(numbers.answered('a', second, 1)).toBe(false)
    expect(numbers.answered('a', first, 0)).toBe(false)
    expect(numbers.answered('a', numbers.mark('a'), 2)).toBe(false)
  })

  it('tell a restart when a number is lower than one answered before the request was sent', () => {
    const numbers = createQueueNumbers()
    expect(numbers.answered('a', numbers.mark('a'), 7)).toBe(false)
    const late = numbers.mark('b') // another server counts on its own
    expect(numbers.answered('b', late, 0)).toBe(false)
    expect(numbers.answered('a', numbers.mark('a'), 0)).toBe(true)
    expect(numbers.answered('a', numbers.mark('a'), 1)).toBe(false) // counting from the restart on
  })
})
