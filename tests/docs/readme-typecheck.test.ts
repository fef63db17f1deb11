// Every ```ts and ```vue block of README.md must compile, as a user would write it, against the package as it ships:
// the declarations `npm run build` emits (tsc -p tsconfig.build.json) behind package.json's `exports`, resolved as
// `comfy-tether`, `comfy-tether/core` and `comfy-tether/testing` from a throwaway app folder, checked with vue-tsc.
// The test builds those declarations itself (CI runs `npm test` before `npm run build`), into node_modules/.cache.
//
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
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { extractCodeBlocks } from './readme-blocks'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const APP = join(ROOT, 'node_modules', '.cache', 'comfy-tether-readme')
const PACKAGE = join(APP, 'node_modules', 'comfy-tether')

/** The README's recipe for testing an app's component, run as it stands by the vue project. */
const RECIPE = ['Generate.vue', 'Generate.test.ts']

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
function diagnostics(output: string, blocks: CodeBlock[]): Diagnostic[] {
  const byFile = new Map(blocks.map(b => [b.file, b]))
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map(([, file = '', line = '0', code = '', message = '']) => {
    const block = byFile.get(file)
    return { file, line: block?.lines[Number(line) - 1] ?? Number(line), code, message }
  })
}

const readmeBlocks = extractCodeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))
const canaryBlocks = extractCodeBlocks(CANARY)
let found: Diagnostic[] = []
let checkerOutput = ''

beforeAll(() => {
  rmSync(APP, { recursive: true, force: true })
  mkdirSync(PACKAGE, { recursive: true })
  const build = run(join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', join(PACKAGE, 'dist', 'types')], ROOT)
  if (build.status !== 0)
    throw new Error(`building the package's declarations failed:\n${build.output}`)
  copyFileSync(join(ROOT, 'package.json'), join(PACKAGE, 'package.json'))
  for (const block of [...readmeBlocks, ...canaryBlocks])
    writeFileSync(join(APP, block.file), block.text)
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
    include: ['*.ts', '*.vue'],
  }, null, 2))
  const check = run(join(ROOT, 'node_modules', 'vue-tsc', 'bin', 'vue-tsc.js'), ['-p', 'tsconfig.json', '--pretty', 'false'], APP)
  checkerOutput = check.output
  found = diagnostics(check.output, [...readmeBlocks, ...canaryBlocks])
})

describe('README.md code type-checks against the built package', () => {
  it('finds the usage, simulator and testing-recipe blocks', () => {
    expect(readmeBlocks.map(b => b.file)).toEqual(expect.arrayContaining(['main.ts', 'App.vue', ...RECIPE]))
    expect(readmeBlocks.length).toBeGreaterThanOrEqual(5)
  })

  it('the testing recipe is, to the byte, the one tests/vue/recipe/ runs', () => {
    for (const file of RECIPE)
      expect(readmeBlocks.find(b => b.file === file)?.code, file).toBe(readFileSync(join(ROOT, 'tests', 'vue', 'recipe', file), 'utf8'))
  })

  it('reports an error in a block on its own Markdown line (the canary)', () => {
    expect(found.filter(d => d.file === 'canary.ts')).toEqual([
      { file: 'canary.ts', line: 6, code: 'TS2322', message: 'Type \'number\' is not assignable to type \'string\'.' },
    ])
  })

  it('every ts and vue block of README.md compiles', () => {
    const readme = found.filter(d => d.file !== 'canary.ts').map(d => `README.md:${d.line} (${d.file}) ${d.code}: ${d.message}`)
    expect(readme, checkerOutput).toEqual([])
  })
})
