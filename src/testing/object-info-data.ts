// The real `GET /object_info` entries of ComfyUI 0.33.0 (commit 783545f, CPU) for the node types the simulator runs,
// copied from tests/fixtures/comfyui/object-info/v0.33.0-783545f-cpu.json (F() marks Python floats so they are served
// as `2.0`). tests/testing/object-info-data.test.ts checks they are byte-identical to that file. Combo lists of files
// and models are empty here and filled per simulator from its files and installed models.
import { REAL_V3_NODE_INFO_0_33 } from './object-info-data-v3'
import { pyFloat as F } from './py-json'

/** Fresh copies (every call builds new objects, so callers may fill in combos). */
export const REAL_NODE_INFO_0_33: Readonly<Record<string, () => Record<string, unknown>>> = {
  LoadImage: () => ({
    input: {
      required: {
        image: [
          [],
          {
            image_upload: true,
          },
        ],
      },
    },
    input_order: {
      required: ['image'],
    },
    is_input_list: false,
    output: ['IMAGE', 'MASK'],
    output_is_list: [false, false],
    output_name: ['IMAGE', 'MASK'],
    name: 'LoadImage',
    display_name: 'Load Image',
    description: '',
    python_module: 'nodes',
    category: 'image',
    output_node: false,
    has_intermediate_output: false,
    search_aliases: [
      'load image',
      'open image',
      'import image',
      'image input',
      'upload image',
      'read image',
      'image loader',
    ],
    essentials_category: 'Basics',
  }),
  ImageInvert: () => ({
    input: {
      required: {
        image: ['IMAGE'],
      },
    },
    input_order: {
      required: ['image'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['IMAGE'],
    name: 'ImageInvert',
    display_name: 'Invert Image Colors',
    description: '',
    python_module: 'nodes',
    category: 'image/color',
    output_node: false,
    has_intermediate_output: false,
    search_aliases: ['reverse colors'],
    essentials_category: 'Image Tools',
  }),
  ImageScale: () => ({
    input: {
      required: {
        image: ['IMAGE'],
        upscale_method: [['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']],
        width: [
          'INT',
          {
            default: 512,
            min: 0,
            max: 16384,
            step: 1,
          },
        ],
        height: [
          'INT',
          {
            default: 512,
            min: 0,
            max: 16384,
            step: 1,
          },
        ],
        crop: [['disabled', 'center']],
      },
    },
    input_order: {
      required: ['image', 'upscale_method', 'width', 'height', 'crop'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['IMAGE'],
    name: 'ImageScale',
    display_name: 'Upscale Image',
    description: '',
    python_module: 'nodes',
    category: 'image/upscaling',
    output_node: false,
    has_intermediate_output: false,
    search_aliases: ['resize', 'resize image', 'scale image', 'image resize', 'zoom', 'zoom in', 'change size'],
    essentials_category: 'Image Tools',
  }),
  EmptyImage: () => ({
    input: {
      required: {
        width: [
          'INT',
          {
            default: 512,
            min: 1,
            max: 16384,
            step: 1,
          },
        ],
        height: [
          'INT',
          {
            default: 512,
            min: 1,
            max: 16384,
            step: 1,
          },
        ],
        batch_size: [
          'INT',
          {
            default: 1,
            min: 1,
            max: 4096,
          },
        ],
        color: [
          'INT',
          {
            default: 0,
            min: 0,
            max: 16777215,
            step: 1,
            display: 'color',
          },
        ],
      },
    },
    input_order: {
      required: ['width', 'height', 'batch_size', 'color'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['IMAGE'],
    name: 'EmptyImage',
    display_name: 'Empty Image',
    description: '',
    python_module: 'nodes',
    category: 'image',
    output_node: false,
    has_intermediate_output: false,
    search_aliases: [],
  }),
  SaveImage: () => ({
    input: {
      required: {
        images: [
          'IMAGE',
          {
            tooltip: 'The images to save.',
          },
        ],
        filename_prefix: [
          'STRING',
          {
            default: 'ComfyUI',
            tooltip: 'The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.',
          },
        ],
      },
      hidden: {
        prompt: 'PROMPT',
        extra_pnginfo: 'EXTRA_PNGINFO',
      },
    },
    input_order: {
      required: ['images', 'filename_prefix'],
      hidden: ['prompt', 'extra_pnginfo'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['images'],
    name: 'SaveImage',
    display_name: 'Save Image',
    description: 'Saves the input images to your ComfyUI output directory.',
    python_module: 'nodes',
    category: 'image',
    output_node: true,
    has_intermediate_output: false,
    search_aliases: ['save', 'save image', 'export image', 'output image', 'write image', 'download'],
    essentials_category: 'Basics',
  }),
  PreviewImage: () => ({
    input: {
      required: {
        images: ['IMAGE'],
      },
      hidden: {
        prompt: 'PROMPT',
        extra_pnginfo: 'EXTRA_PNGINFO',
      },
    },
    input_order: {
      required: ['images'],
      hidden: ['prompt', 'extra_pnginfo'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['images'],
    name: 'PreviewImage',
    display_name: 'Preview Image',
    description: 'Preview the images without saving them to the ComfyUI output directory.',
    python_module: 'nodes',
    category: 'image',
    output_node: true,
    has_intermediate_output: false,
    search_aliases: ['preview', 'preview image', 'show image', 'view image', 'display image', 'image viewer'],
    essentials_category: 'Basics',
  }),
  TestSlowProgress: () => ({
    input: {
      required: {
        image: ['IMAGE'],
        steps: [
          'INT',
          {
            default: 5,
            min: 1,
            max: 1000,
          },
        ],
        seconds: [
          'FLOAT',
          {
            default: F(2.0),
            min: F(0.0),
            max: F(600.0),
            step: F(0.1),
          },
        ],
        preview: [
          'BOOLEAN',
          {
            default: false,
          },
        ],
        progress_text: [
          'BOOLEAN',
          {
            default: false,
          },
        ],
      },
      hidden: {
        unique_id: 'UNIQUE_ID',
      },
    },
    input_order: {
      required: ['image', 'steps', 'seconds', 'preview', 'progress_text'],
      hidden: ['unique_id'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['IMAGE'],
    name: 'TestSlowProgress',
    display_name: 'Test: slow progress',
    description: '',
    python_module: 'custom_nodes.rc_test_nodes',
    category: 'testing',
    output_node: false,
    has_intermediate_output: false,
    search_aliases: [],
  }),
  TestFail: () => ({
    input: {
      required: {
        image: ['IMAGE'],
        message: [
          'STRING',
          {
            default: 'TestFail: deliberate failure',
          },
        ],
      },
    },
    input_order: {
      required: ['image', 'message'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['IMAGE'],
    name: 'TestFail',
    display_name: 'Test: fail',
    description: '',
    python_module: 'custom_nodes.rc_test_nodes',
    category: 'testing',
    output_node: false,
    has_intermediate_output: false,
    search_aliases: [],
  }),
  UpscaleModelLoader: () => ({
    input: {
      required: {
        model_name: [
          'COMBO',
          {
            multiselect: false,
            options: [],
          },
        ],
      },
    },
    input_order: {
      required: ['model_name'],
    },
    is_input_list: false,
    output: ['UPSCALE_MODEL'],
    output_is_list: [false],
    output_name: ['UPSCALE_MODEL'],
    output_tooltips: [null],
    output_matchtypes: null,
    name: 'UpscaleModelLoader',
    display_name: 'Load Upscale Model',
    description: '',
    python_module: 'comfy_extras.nodes_upscale_model',
    category: 'model/loaders',
    output_node: false,
    deprecated: false,
    experimental: false,
    dev_only: false,
    api_node: false,
    price_badge: null,
    search_aliases: null,
    essentials_category: null,
    has_intermediate_output: false,
  }),
  ImageUpscaleWithModel: () => ({
    input: {
      required: {
        upscale_model: ['UPSCALE_MODEL', {}],
        image: ['IMAGE', {}],
      },
    },
    input_order: {
      required: ['upscale_model', 'image'],
    },
    is_input_list: false,
    output: ['IMAGE'],
    output_is_list: [false],
    output_name: ['IMAGE'],
    output_tooltips: [null],
    output_matchtypes: null,
    name: 'ImageUpscaleWithModel',
    display_name: 'Upscale Image (using Model)',
    description: '',
    python_module: 'comfy_extras.nodes_upscale_model',
    category: 'image/upscaling',
    output_node: false,
    deprecated: false,
    experimental: false,
    dev_only: false,
    api_node: false,
    price_badge: null,
    search_aliases: [
      'upscale',
      'upscaler',
      'upsc',
      'enlarge image',
      'super resolution',
      'hires',
      'superres',
      'increase resolution',
    ],
    essentials_category: null,
    has_intermediate_output: false,
  }),
  ...REAL_V3_NODE_INFO_0_33,
}
