// Error codes say what happened: the engine (src/core, src/client, src/vue) throws and rejects with the typed subclasses, never a
// bare `ComfyTetherError` (which carries no reason, server or prompt id). Checked on the TypeScript AST: every
// `new X(...)` whose X is the base class, under any local alias.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

/** `new <base>(…)` sites in `source`, where <base> is ComfyTetherError imported under any name. */
function bareBaseErrors(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true)
  const names = new Set<string>()
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause?.namedBindings && ts.isNamedImports(statement.importClause.namedBindings)) {
      for (const element of statement.importClause.namedBindings.elements) {
        if ((element.propertyName ?? element.name).text === 'ComfyTetherError' && !statement.importClause.isTypeOnly && !element.isTypeOnly)
          names.add(element.name.text)
      }
    }
  }
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && names.has(node.expression.text))
      found.push(`${fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText().slice(0, 80)}`)
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

describe('typed errors', () => {
  it('finds a bare base error under an alias (the scanner works)', () => {
    const fixture = `import { ComfyTetherError as BaseError } from '../core/errors'\nthrow new BaseError('TASK_LOST', 'x')\n`
    expect(bareBaseErrors('fixture.ts', fixture)).toHaveLength(1)
  })

  it('the engine (src/core, src/client, src/vue) never throws or rejects with a bare ComfyTetherError', () => {
    const files = [...tsFiles(join(ROOT, 'src', 'core')), ...tsFiles(join(ROOT, 'src', 'client')), ...tsFiles(join(ROOT, 'src', 'vue'))]
    const found = files.flatMap(f => bareBaseErrors(relative(ROOT, f), readFileSync(f, 'utf8')))
    expect(found).toEqual([])
  })
})
