import type { UiWorkflow } from '../../src/index'

/**
 * LoadImage (1, "Photo") → Reroute (4) → ImageInvert (2) → SaveImage (3, "Save"), plus a muted PreviewImage (5) fed by
 * the invert, as ComfyUI's "Save" writes it (schema 0.4, like tests/fixtures/workflow-pairs/img2img-loadimage/ui.json).
 */
export function invertUiWorkflow(prefix = 'inverted-ui'): UiWorkflow {
  return {
    last_node_id: 5,
    last_link_id: 4,
    nodes: [
      { id: 1, type: 'LoadImage', title: 'Photo', pos: [0, 0], size: [315, 314], flags: {}, order: 0, mode: 0, outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1], slot_index: 0 }, { name: 'MASK', type: 'MASK', links: null, shape: 3 }], properties: { 'Node name for S&R': 'LoadImage' }, widgets_values: ['placeholder.png', 'image'] },
      { id: 4, type: 'Reroute', pos: [350, 0], size: [75, 26], flags: {}, order: 1, mode: 0, inputs: [{ name: '', type: '*', link: 1 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [2], slot_index: 0 }], properties: { showOutputText: true, horizontal: false } },
      { id: 2, type: 'ImageInvert', pos: [450, 0], size: [210, 26], flags: {}, order: 2, mode: 0, inputs: [{ name: 'image', type: 'IMAGE', link: 2 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [3, 4], slot_index: 0 }], properties: { 'Node name for S&R': 'ImageInvert' } },
      { id: 3, type: 'SaveImage', title: 'Save', pos: [700, 0], size: [315, 270], flags: {}, order: 3, mode: 0, inputs: [{ name: 'images', type: 'IMAGE', link: 3 }], properties: {}, widgets_values: [prefix] },
      { id: 5, type: 'PreviewImage', pos: [700, 300], size: [315, 270], flags: {}, order: 4, mode: 2, inputs: [{ name: 'images', type: 'IMAGE', link: 4 }], properties: {} },
    ],
    links: [[1, 1, 0, 4, 0, 'IMAGE'], [2, 4, 0, 2, 0, 'IMAGE'], [3, 2, 0, 3, 0, 'IMAGE'], [4, 2, 0, 5, 0, 'IMAGE']],
    groups: [{ title: 'Invert', bounding: [-20, -60, 1060, 700], color: '#3f789e' }],
    config: {},
    extra: {},
    version: 0.4,
  }
}

const LOAD_AND_INVERT = '0c0ffee0-0000-4000-8000-000000000007'
const bounding = [0, 0, 100, 100]

/**
 * A subgraph instance (7) holding LoadImage (1) → ImageInvert (2), feeding SaveImage (3): the frontend's subgraph
 * schema (as in tests/core/ui-workflow-subgraph.test.ts). Converted, the LoadImage is node `"7:1"`.
 */
export function subgraphInvertUiWorkflow(prefix = 'subgraph-ui'): UiWorkflow {
  return {
    last_node_id: 7,
    last_link_id: 1,
    nodes: [
      { id: 7, type: LOAD_AND_INVERT, pos: [0, 0], size: [200, 50], flags: {}, order: 0, mode: 0, inputs: [], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }], properties: {}, widgets_values: [] },
      { id: 3, type: 'SaveImage', pos: [300, 0], size: [315, 270], flags: {}, order: 1, mode: 0, inputs: [{ name: 'images', type: 'IMAGE', link: 1 }], properties: {}, widgets_values: [prefix] },
    ],
    links: [[1, 7, 0, 3, 0, 'IMAGE']],
    groups: [],
    config: {},
    extra: {},
    version: 0.4,
    definitions: {
      subgraphs: [{
        id: LOAD_AND_INVERT,
        name: 'Load and invert',
        version: 1,
        inputNode: { id: -10, bounding },
        outputNode: { id: -20, bounding },
        inputs: [],
        outputs: [{ id: 'out-image', name: 'IMAGE', type: 'IMAGE', linkIds: [2] }],
        nodes: [
          { id: 1, type: 'LoadImage', pos: [0, 0], size: [315, 314], flags: {}, order: 0, mode: 0, outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }, { name: 'MASK', type: 'MASK', links: null }], properties: {}, widgets_values: ['placeholder.png', 'image'] },
          { id: 2, type: 'ImageInvert', pos: [350, 0], size: [210, 26], flags: {}, order: 1, mode: 0, inputs: [{ name: 'image', type: 'IMAGE', link: 1 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [2] }], properties: {} },
        ],
        links: [
          { id: 1, origin_id: 1, origin_slot: 0, target_id: 2, target_slot: 0, type: 'IMAGE' },
          { id: 2, origin_id: 2, origin_slot: 0, target_id: -20, target_slot: 0, type: 'IMAGE' },
        ],
      }],
    },
  }
}
