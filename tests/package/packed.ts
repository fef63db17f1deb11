// The package as a user receives it: a fresh clone (the repository's files without node_modules, dist or tests) is
// packed with `npm pack`, which must build it (prepack), and the tarball is unpacked into throwaway consumer projects
// whose node_modules hold only what that consumer installs, as symlinks into this repository's node_modules (no
// network). Shared by the tests of tests/package/.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const REPO_MODULES = join(ROOT, 'node_modules')

/** What a clone has that a build makes, installs or records, and the tests (not needed to pack). */
const NOT_IN_A_FRESH_CLONE = new Set(['node_modules', 'dist', 'dist-playground', 'coverage', 'bench-results', '.git', '.vite', 'tests'])

export interface RunResult { status: number | null, output: string }

/** Runs a command to its end; output is stdout and stderr together. */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): RunResult {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` }
}

/** Runs a command to its end without blocking this process (which may be serving the command, as a simulator does). */
export function runAsync(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', error => resolve({ status: null, output: `${output}${String(error)}` }))
    child.on('close', status => resolve({ status, output }))
  })
}

/** Runs a script of a package in this repository's node_modules with the current Node. */
export function runBin(script: string, args: readonly string[], cwd: string): RunResult {
  return run(process.execPath, [join(REPO_MODULES, script), ...args], cwd)
}

export interface Packed {
  /** The folder that holds everything of this run; removed by `cleanup()`. */
  dir: string
  /** The tarball `npm pack` wrote. */
  tarball: string
  /** The tarball's files, relative to the package root (`dist/index.js`, `package.json`, …), sorted. */
  files: string[]
  /** What `npm pack` printed (the build included). */
  output: string
  cleanup: () => void
}

/** Copies the repository as a fresh clone would have it, and packs it with `npm pack` (whose prepack builds it). */
export function packFreshClone(): Packed {
  const dir = mkdtempSync(join(tmpdir(), 'comfy-tether-pack-'))
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true })
  const clone = join(dir, 'clone')
  cpSync(ROOT, clone, {
    recursive: true,
    filter: source => !(dirname(source) === ROOT && NOT_IN_A_FRESH_CLONE.has(basename(source))) && !source.endsWith('.log'),
  })
  // What `npm ci` gives a clone: the toolchain the build runs.
  symlinkSync(REPO_MODULES, join(clone, 'node_modules'), 'dir')
  const out = join(dir, 'out')
  mkdirSync(out)
  // npm's own environment of the enclosing `npm test` (npm_config_*, npm_lifecycle_*) is left out: a plain `npm pack`.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)))
  const pack = run('npm', ['pack', '--pack-destination', out, '--no-audit', '--no-fund'], clone, env)
  const tarballs = readdirSync(out).filter(name => name.endsWith('.tgz'))
  if (pack.status !== 0 || tarballs.length !== 1) {
    cleanup()
    throw new Error(`npm pack failed (exit ${pack.status}):\n${pack.output}`)
  }
  const tarball = join(out, tarballs[0]!)
  const list = run('tar', ['-tzf', tarball], dir)
  const files = list.output.split('\n').filter(Boolean).map(line => line.replace(/^package\//, '')).sort()
  return { dir, tarball, files, output: pack.output, cleanup }
}

/**
 * A project folder under `packed.dir` with the tarball unpacked as `node_modules/comfy-tether` and `deps` (package
 * names of this repository's node_modules) symlinked next to it, as if the user had installed exactly those.
 */
export function consumerProject(packed: Packed, name: string, deps: readonly string[]): string {
  const project = join(packed.dir, name)
  const pkg = join(project, 'node_modules', 'comfy-tether')
  mkdirSync(pkg, { recursive: true })
  const untar = run('tar', ['-xzf', packed.tarball, '-C', pkg, '--strip-components=1'], project)
  if (untar.status !== 0)
    throw new Error(`unpacking ${packed.tarball} failed:\n${untar.output}`)
  for (const dep of deps) {
    const link = join(project, 'node_modules', dep)
    mkdirSync(dirname(link), { recursive: true })
    symlinkSync(join(REPO_MODULES, dep), link, 'dir')
  }
  return project
}
