// comfy-tether/testing's optional packages (`ws`, `pngjs`): without one, the entry still imports, and a simulator
// fails with a typed MISSING_DEPENDENCY error that names `npm i -D ws pngjs`, never with ERR_MODULE_NOT_FOUND.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { isComfyTetherError } from '../../src/index'
import { createComfySimulator, createImage, encodePng, MissingDependencyError } from '../../src/testing/index'
import { setPackageLoader } from '../../src/testing/optional-deps'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const FIXTURE = join(ROOT, 'tests', 'fixtures', 'missing-package')
const realRequire = createRequire(import.meta.url)

/** A loader that fails for `hidden` as Node does for a package that is not installed. */
function without(hidden: string): (name: string) => unknown {
  return (name) => {
    if (name === hidden)
      throw Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- ${ROOT}/src/testing/optional-deps.ts`), { code: 'MODULE_NOT_FOUND' })
    return realRequire(name)
  }
}

/** Imports comfy-tether/testing and starts a simulator in a fresh Node process where `hidden` is not resolvable. */
function startWithout(hidden: string): Record<string, unknown> {
  const child = spawnSync(process.execPath, ['--import', join(FIXTURE, 'hide-package.mjs'), '--import', 'tsx', join(FIXTURE, 'start-simulator.ts')], {
    cwd: ROOT,
    env: { ...process.env, HIDE_PACKAGE: hidden },
    encoding: 'utf8',
  })
  const line = child.stdout.trim().split('\n').at(-1) ?? ''
  expect(line, child.stderr).toMatch(/^\{/)
  return JSON.parse(line) as Record<string, unknown>
}

let undo: (() => void) | undefined
afterEach(() => {
  undo?.()
  undo = undefined
})

describe('the simulator\'s optional packages', () => {
  it.each(['ws', 'pngjs'])('without %s, the entry imports and starting a simulator fails with MISSING_DEPENDENCY (real resolver, fresh process)', (hidden) => {
    const outcome = startWithout(hidden)
    expect(outcome).toEqual({
      imported: true,
      name: 'MissingDependencyError',
      code: 'MISSING_DEPENDENCY',
      message: `[comfy-tether] The ComfyUI simulator (comfy-tether/testing) needs the optional package "${hidden}", which is not installed. Install it with: npm i -D ws pngjs`,
    })
  })

  it('with both installed, the same script starts a simulator', () => {
    expect(startWithout('no-such-package-is-hidden')).toEqual({ imported: true, started: true })
  })

  it('the error is typed: the guard narrows it, and it names the package and the command', async () => {
    undo = setPackageLoader(without('ws'))
    const error = await createComfySimulator().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MissingDependencyError)
    expect(isComfyTetherError(error, 'MISSING_DEPENDENCY')).toBe(true)
    if (!isComfyTetherError(error, 'MISSING_DEPENDENCY'))
      throw new Error('unreachable: checked above')
    expect([error.packageName, error.installCommand]).toEqual(['ws', 'npm i -D ws pngjs'])
  })

  it('the PNG helpers say the same when pngjs is missing', () => {
    undo = setPackageLoader(without('pngjs'))
    expect(() => encodePng(createImage(2, 2, [1, 2, 3]))).toThrow(/needs the optional package "pngjs".*npm i -D ws pngjs/)
  })

  it('a failure that is not the package itself missing (e.g. one of its own files) is passed on unchanged', async () => {
    const broken = Object.assign(new Error('Cannot find module \'./lib/stream\''), { code: 'MODULE_NOT_FOUND' })
    undo = setPackageLoader((name) => {
      if (name === 'ws')
        throw broken
      return realRequire(name)
    })
    await expect(createComfySimulator()).rejects.toBe(broken)
  })
})
