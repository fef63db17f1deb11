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
