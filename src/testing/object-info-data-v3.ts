// The real `GET /object_info` entries of ComfyUI 0.33.0 (commit 783545f, CPU) for the V3 node types the simulator
// knows (COMFY_DYNAMICCOMBO_V3, COMFY_AUTOGROW_V3, COMFY_MATCHTYPE_V3 inputs), copied from
// tests/fixtures/comfyui/object-info/v0.33.0-783545f-cpu.json like object-info-data.ts (F() marks Python floats).
import { pyFloat as F } from './py-json'

/** Fresh copies (every call builds new objects). */
export const REAL_V3_NODE_INFO_0_33: Readonly<Record<string, () => Record<string, unknown>>> = {
  ResizeImageMaskNode: () => ({
      input: {
        required: {
          input: [
            'COMFY_MATCHTYPE_V3',
            {
              template: {
                template_id: 'input_type',
                allowed_types: 'IMAGE,MASK',
              },
            },
          ],
          resize_type: [
            'COMFY_DYNAMICCOMBO_V3',
            {
              tooltip: 'Select how to resize: by exact dimensions, scale factor, matching another image, etc.',
              options: [
                {
                  key: 'scale dimensions',
                  inputs: {
                    required: {
                      width: [
                        'INT',
                        {
                          tooltip: 'Target width in pixels. Set to 0 to auto-calculate from height while preserving aspect ratio.',
                          default: 512,
                          min: 0,
                          max: 16384,
                          step: 1,
                        },
                      ],
                      height: [
                        'INT',
                        {
                          tooltip: 'Target height in pixels. Set to 0 to auto-calculate from width while preserving aspect ratio.',
                          default: 512,
                          min: 0,
                          max: 16384,
                          step: 1,
                        },
                      ],
                      crop: [
                        'COMBO',
                        {
                          tooltip: 'How to handle aspect ratio mismatch: \'disabled\' stretches to fit, \'center\' crops to maintain aspect ratio.',
                          default: 'center',
                          multiselect: false,
                          options: ['disabled', 'center'],
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'scale by multiplier',
                  inputs: {
                    required: {
                      multiplier: [
                        'FLOAT',
                        {
                          tooltip: 'Scale factor (e.g., 2.0 doubles size, 0.5 halves size).',
                          default: F(1.0),
                          min: F(0.01),
                          max: F(8.0),
                          step: F(0.01),
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'scale longer dimension',
                  inputs: {
                    required: {
                      longer_size: [
                        'INT',
                        {
                          tooltip: 'The longer edge will be resized to this value. Aspect ratio is preserved.',
                          default: 512,
                          min: 0,
                          max: 16384,
                          step: 1,
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'scale shorter dimension',
                  inputs: {
                    required: {
                      shorter_size: [
                        'INT',
                        {
                          tooltip: 'The shorter edge will be resized to this value. Aspect ratio is preserved.',
                          default: 512,
                          min: 0,
                          max: 16384,
                          step: 1,
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'scale width',
                  inputs: {
                    required: {
                      width: [
                        'INT',
                        {
                          tooltip: 'Target width in pixels. Height auto-adjusts to preserve aspect ratio.',
                          default: 512,
                          min: 0,
                          max: 16384,
                          step: 1,
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'scale height',
                  inputs: {
                    required: {
                      height: [
                        'INT',
                        {
                          tooltip: 'Target height in pixels. Width auto-adjusts to preserve aspect ratio.',
                          default: 512,
                          min: 0,
                          max: 16384,
                          step: 1,
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'scale total pixels',
                  inputs: {
                    required: {
                      megapixels: [
                        'FLOAT',
                        {
                          tooltip: 'Target total megapixels (e.g., 1.0 ≈ 1024×1024). Aspect ratio is preserved.',
                          default: F(1.0),
                          min: F(0.01),
                          max: F(16.0),
                          step: F(0.01),
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'match size',
                  inputs: {
                    required: {
                      match: [
                        'IMAGE,MASK',
                        {
                          tooltip: 'Resize input to match the dimensions of this reference image or mask.',
                        },
                      ],
                      crop: [
                        'COMBO',
                        {
                          tooltip: 'How to handle aspect ratio mismatch: \'disabled\' stretches to fit, \'center\' crops to maintain aspect ratio.',
                          default: 'center',
                          multiselect: false,
                          options: ['disabled', 'center'],
                        },
                      ],
                    },
                  },
                },
                {
                  key: 'scale to multiple',
                  inputs: {
                    required: {
                      multiple: [
                        'INT',
                        {
                          tooltip: 'Resize so width and height are divisible by this number. Useful for latent alignment (e.g., 8 or 64).',
                          default: 8,
                          min: 1,
                          max: 16384,
                          step: 1,
                        },
                      ],
                    },
                  },
                },
              ],
            },
          ],
          scale_method: [
            'COMBO',
            {
              tooltip: 'Interpolation algorithm. \'area\' is best for downscaling, \'lanczos\' for upscaling, \'nearest-exact\' for pixel art.',
              default: 'area',
              multiselect: false,
              options: ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos'],
            },
          ],
        },
      },
      input_order: {
        required: ['input', 'resize_type', 'scale_method'],
      },
      is_input_list: false,
      output: ['COMFY_MATCHTYPE_V3'],
      output_is_list: [false],
      output_name: ['resized'],
      output_tooltips: [null],
      output_matchtypes: ['input_type'],
      name: 'ResizeImageMaskNode',
      display_name: 'Resize Image/Mask',
      description: 'Resize an image or mask using various scaling methods.',
      python_module: 'comfy_extras.nodes_post_processing',
      category: 'image/transform',
      output_node: false,
      deprecated: false,
      experimental: false,
      dev_only: false,
      api_node: false,
      price_badge: null,
      search_aliases: [
        'resize',
        'resize image',
        'resize mask',
        'scale',
        'scale image',
        'scale mask',
        'image resize',
        'change size',
        'dimensions',
        'shrink',
        'enlarge',
      ],
      essentials_category: null,
      has_intermediate_output: false,
    }),
  BatchImagesNode: () => ({
      input: {
        required: {
          images: [
            'COMFY_AUTOGROW_V3',
            {
              template: {
                input: {
                  required: {
                    image: ['IMAGE', {}],
                  },
                },
                prefix: 'image',
                min: 1,
                max: 50,
              },
            },
          ],
        },
      },
      input_order: {
        required: ['images'],
      },
      is_input_list: false,
      output: ['IMAGE'],
      output_is_list: [false],
      output_name: ['IMAGE'],
      output_tooltips: [null],
      output_matchtypes: null,
      name: 'BatchImagesNode',
      display_name: 'Batch Images',
      description: '',
      python_module: 'comfy_extras.nodes_post_processing',
      category: 'image/batch',
      output_node: false,
      deprecated: false,
      experimental: false,
      dev_only: false,
      api_node: false,
      price_badge: null,
      search_aliases: ['batch', 'image batch', 'batch images', 'combine images', 'merge images', 'stack images'],
      essentials_category: 'Image Tools',
      has_intermediate_output: false,
    }),
}
