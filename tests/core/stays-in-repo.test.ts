// A lone clone must carry everything its code and tests read: no relative path in src/ or tests/ may point above the
// repository (as a recordings folder beside the checkout once was). Checked on the TypeScript AST: every string literal or
// template head that starts with `./` or `../` is resolved against its file's folder and must stay inside the repo.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory())
      return entry.name === 'node_modules' ? [] : tsFilesUnder(path)
    return /\.(?:ts|mts|mjs|js)$/.test(entry.name) ? [path] : []
  })
}

/** The relative paths in `code` (a file at `file`) that resolve outside `ROOT`. */
function pathsLeavingRepo(file: string, code: string): string[] {
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    const text = ts.isStringLiteralLike(node) || ts.isTemplateHead(node) ? node.text : undefined
    if (text !== undefined && /^\.{1,2}\//.test(text)) {
      const target = resolve(dirname(file), text)
      if (relative(ROOT, target).startsWith('..'))
        found.push(text)
    }
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true))
  return found
}

describe('the repository is self-contained', () => {
  it('the scan finds a path above the repository, and not one inside it', () => {
    const file = join(ROOT, 'tests', 'core', 'example.ts')
    const up = '../'.repeat(3) // not written out, or this file would fail its own scan
    const code = `const a = new URL('${up}recordings-beside-the-repo/', import.meta.url)\nconst b = new URL('../fixtures/comfyui/', import.meta.url)\nconst c = \`${up}x/\${a}\``
    expect(pathsLeavingRepo(file, code)).toEqual([`${up}recordings-beside-the-repo/`, `${up}x/`])
  })

  it('no file under src/ or tests/ refers to a relative path outside the repository', () => {
    const files = [...tsFilesUnder(join(ROOT, 'src')), ...tsFilesUnder(join(ROOT, 'tests'))]
    expect(files.length).toBeGreaterThan(50)
    const leaving = files.flatMap(file => pathsLeavingRepo(file, readFileSync(file, 'utf8')).map(path => `${relative(ROOT, file)}: ${path}`))
    expect(leaving).toEqual([])
  })
})
