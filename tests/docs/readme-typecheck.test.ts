// Every ```ts and ```vue block of README.md and of docs/*.md must compile, as a user would write it, against the package as it ships:
// the declarations `npm run build` emits (tsc -p tsconfig.build.json) behind package.json's `exports`, resolved as
// `comfy-tether`, `comfy-tether/core` and `comfy-tether/testing` from a throwaway app folder, checked with vue-tsc.
// The test builds those declarations itself (CI runs `npm test` before `npm run build`), into node_modules/.cache.
//
// Each Markdown file's blocks are compiled in a folder of their own (`README-md/`, `docs-node-md/`, …).
// Conventions for README authors (see readme-blocks.ts):
// - a block whose first line names a file (`// main.ts`, `<!-- App.vue -->`) is compiled under that name, so blocks
//   can import each other; other blocks are compiled as `readme-<line>.ts|vue`, each a module of its own;
// - hidden lines a fragment needs go in an HTML comment right before its fence, which Markdown does not show:
//     <!-- typecheck-prelude
//     import type { ComfyWorkflow } from 'comfy-tether'
//     declare const workflow: ComfyWorkflow
//     -->
//   For a vue block they are placed at the start of its <script>.
import type { CodeBlock } from './readme-blocks'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { extractCodeBlocks } from './readme-blocks'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const APP = join(ROOT, 'node_modules', '.cache', 'comfy-tether-readme')
const PACKAGE = join(APP, 'node_modules', 'comfy-tether')

/** The recipe for testing an app's component (docs/testing.md), run as it stands by the vue project. */
const RECIPE = ['vitest.config.ts', 'Generate.vue', 'Generate.test.ts']

/** The Markdown files whose code is checked, relative to the repository. */
const SOURCES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)]

/** The folder a Markdown file's blocks are compiled in. */
const folderOf = (source: string): string => source.replace(/[/.]/g, '-')

/** A block that must fail, so a checker that reports nothing cannot pass. */
const CANARY = [
  '<!-- typecheck-prelude',
  'declare const count: number',
  '-->',
  '```ts',
  '// canary.ts',
  'const text: string = count',
  '```',
].join('\n')

interface Diagnostic { file: string, line: number, code: string, message: string }

function run(command: string, args: string[], cwd: string): { status: number | null, output: string } {
  const result = spawnSync(process.execPath, [command, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

/** vue-tsc's diagnostics (`file(line,col): error TSnnnn: message`), each mapped back to the Markdown line. */
function diagnostics(output: string, blocks: Map<string, CodeBlock>): Diagnostic[] {
  const byFile = blocks
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map(([, file = '', line = '0', code = '', message = '']) => {
    const block = byFile.get(file)
    return { file, line: block?.lines[Number(line) - 1] ?? Number(line), code, message }
  })
}

const blocksOf = new Map(SOURCES.map(source => [source, extractCodeBlocks(readFileSync(join(ROOT, source), 'utf8'))]))
const readmeBlocks = blocksOf.get('README.md')!
const canaryBlocks = extractCodeBlocks(CANARY)
/** Every block by the path it is compiled under. */
const allBlocks = new Map<string, CodeBlock>([
  ...[...blocksOf].flatMap(([source, blocks]) => blocks.map(b => [`${folderOf(source)}/${b.file}`, b] as const)),
  ...canaryBlocks.map(b => [`canary/${b.file}`, b] as const),
])
let found: Diagnostic[] = []
let checkerOutput = ''

beforeAll(() => {
  rmSync(APP, { recursive: true, force: true })
  mkdirSync(PACKAGE, { recursive: true })
  const build = run(join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', join(PACKAGE, 'dist', 'types')], ROOT)
  if (build.status !== 0)
    throw new Error(`building the package's declarations failed:\n${build.output}`)
  copyFileSync(join(ROOT, 'package.json'), join(PACKAGE, 'package.json'))
  for (const [path, block] of allBlocks) {
    mkdirSync(dirname(join(APP, path)), { recursive: true })
    writeFileSync(join(APP, path), block.text)
  }
  // The app is a package of its own: without this, `comfy-tether/*` would resolve as a self-reference of the
  // repository's package.json (the nearest one up the tree) to a stale dist/ instead of the declarations built above.
  writeFileSync(join(APP, 'package.json'), JSON.stringify({ name: 'readme-app', private: true }, null, 2))
  // What a strict app of a user has; dependencies (vue, pinia, vitest, …) resolve from the repository's node_modules.
  writeFileSync(join(APP, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: ['node'],
      strict: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
    },
    include: ['*/*.ts', '*/*.vue'],
  }, null, 2))
  const check = run(join(ROOT, 'node_modules', 'vue-tsc', 'bin', 'vue-tsc.js'), ['-p', 'tsconfig.json', '--pretty', 'false'], APP)
  checkerOutput = check.output
  found = diagnostics(check.output, allBlocks)
})

describe('README.md and docs/*.md code type-checks against the built package', () => {
  it('finds the quick-start blocks in README.md and the testing recipe in docs/testing.md', () => {
    expect(readmeBlocks.filter(b => b.quickStart).map(b => b.file)).toEqual(['sim.ts', 'main.ts', 'App.vue', 'quick-start.ts'])
    expect(blocksOf.get('docs/testing.md')?.map(b => b.file)).toEqual(expect.arrayContaining(RECIPE))
    expect([...blocksOf.values()].flat().length).toBeGreaterThanOrEqual(13)
  })

  it('the quick-start blocks need no hidden prelude: they are whole files', () => {
    for (const block of readmeBlocks.filter(b => b.quickStart))
      expect(block.text, block.file).toBe(block.file.endsWith('.vue') ? block.code : `${block.code}export {}\n`)
  })

  it('the testing recipe is, to the byte, the one tests/vue/recipe/ runs', () => {
    for (const file of RECIPE)
      expect(blocksOf.get('docs/testing.md')?.find(b => b.file === file)?.code, file).toBe(readFileSync(join(ROOT, 'tests', 'vue', 'recipe', file), 'utf8'))
  })

  it('the recipe "give up a server down for N seconds" in docs/guide.md is, to the byte, the one tests/client/outage-visibility.test.ts runs', () => {
    const test = readFileSync(join(ROOT, 'tests', 'client', 'outage-visibility.test.ts'), 'utf8')
    const start = test.indexOf('/** Abandons a locked server once')
    const recipe = test.slice(start, test.indexOf('// ──', start))
    expect(start).toBeGreaterThan(0)
    expect(recipe).toContain('function giveUpAfter(')
    expect(blocksOf.get('docs/guide.md')?.some(b => b.code.includes(recipe))).toBe(true)
  })

  it('reports an error in a block on its own Markdown line (the canary)', () => {
    expect(found.filter(d => d.file === 'canary/canary.ts')).toEqual([
      { file: 'canary/canary.ts', line: 6, code: 'TS2322', message: 'Type \'number\' is not assignable to type \'string\'.' },
    ])
  })

  it('every ts and vue block of README.md and docs/*.md compiles', () => {
    const sourceOf = new Map(SOURCES.map(source => [folderOf(source), source]))
    const readme = found.filter(d => !d.file.startsWith('canary/')).map(d => `${sourceOf.get(d.file.split('/')[0]!) ?? d.file}:${d.line} (${d.file}) ${d.code}: ${d.message}`)
    expect(readme, checkerOutput).toEqual([])
  })
})
