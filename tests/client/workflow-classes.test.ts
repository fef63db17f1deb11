// A UI graph converts from the per-class node info of the classes it uses (what a submit reads) exactly as from the
// whole /object_info: every recorded workflow pair, with subgraphs, group nodes, primitives, reroutes and notes.
import type { ObjectInfo } from '../../src/core/ui-workflow'
import { describe, expect, it } from 'vitest'
import { apiWorkflowClasses, uiWorkflowClasses } from '../../src/client/workflow-classes'
import { fromUiWorkflow } from '../../src/core/ui-workflow'
import { CUSTOM_NODES, loadPair, OBJECT_INFO, PAIR_NAMES } from '../helpers/ui-workflow-fixtures'

const FULL: ObjectInfo = { ...OBJECT_INFO, ...CUSTOM_NODES }

/** What the node-info cache gives for `classes`: their entries, a class the server lacks left out. */
function perClass(classes: readonly string[]): ObjectInfo {
  return Object.fromEntries(classes.filter(name => Object.hasOwn(FULL, name)).map(name => [name, FULL[name]!]))
}

describe('the classes of a workflow', () => {
  it.each(PAIR_NAMES)('convert %s from the entries of its classes as from the whole /object_info', (name) => {
    const { ui, api } = loadPair(name)
    const classes = uiWorkflowClasses(ui)
    expect(classes.length).toBeLessThan(Object.keys(FULL).length / 10)
    expect(fromUiWorkflow(ui, perClass(classes))).toEqual(fromUiWorkflow(ui, FULL))
    for (const type of apiWorkflowClasses(api)) expect(classes).toContain(type)
  })
})
