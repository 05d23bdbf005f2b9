// Lint: TypeScript + Svelte, and the layering rules of docs/ARCHITECTURE.md enforced
// per folder (only electron/main.ts and electron/preload.ts may import 'electron').
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'net', 'url'];

/**
 * The import rule of code that runs under plain Node: never Electron (only main.ts and
 * preload.ts), never the renderer, and never what `forbidden` names for its layer. A later
 * block replaces an earlier one for the same files, so each layer's block repeats the first two.
 */
function nodeLayer(files, ...forbidden) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'only electron/main.ts and electron/preload.ts import electron' }],
        patterns: [{ group: ['**/renderer/**'], message: 'Node code never imports the renderer' }, ...forbidden],
      }],
    },
  };
}

/**
 * The import rule of the renderer, a web page: no Electron, no Node, the core only through
 * electron/api, and never what `forbidden` names for its folder. As for nodeLayer, each
 * folder's block repeats the rules every renderer file follows.
 */
function rendererLayer(files, ignores = [], ...forbidden) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', {
        // 'electron' as a path, not a pattern: a pattern would also match the electron/api/ folder the renderer must use.
        paths: [{ name: 'electron', message: 'the renderer never imports Electron' }],
        patterns: [
          { group: nodeBuiltins, message: 'the renderer never imports Node' },
          { group: ['**/electron/core/**', '**/electron/server/**', '**/electron/cli/**'], message: 'the renderer talks to the core only through electron/api' },
          ...forbidden,
        ],
      }],
    },
  };
}

/** The renderer's feature folders and the app around them (see docs/ARCHITECTURE.md). */
const rendererFeatures = ['**/app/**', '**/library/**', '**/detect/**', '**/editor/**', '**/datasets/**', '**/finetune/**'];

export default tseslint.config(
  {
    ignores: ['node_modules/', '.venv/', 'dist/', '.tmp/', 'release/', 'bench-results/', 'test-results/', 'playwright-report/', 'models/training/', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: '.only must not be committed' },
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='skip']", message: 'a skipped test must not be committed' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
      globals: { ...globals.browser },
    },
  },
  {
    // The renderer is a web page.
    files: ['renderer/**/*.{ts,svelte}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  rendererLayer(['renderer/**/*.{ts,svelte}']),
  // Shared code (transports, charts, helpers) serves the features and knows none of them.
  rendererLayer(['renderer/api/**/*.ts', 'renderer/charts/**/*.{ts,svelte}', 'renderer/lib/**/*.ts'], [], {
    group: rendererFeatures,
    message: 'renderer/api, charts and lib are shared: features import them, not the other way',
  }),
  // The mask editor mounts anywhere with its props alone; only the studio's view of it
  // (EditorView, its dataset picker and the annotation state) knows the studio.
  rendererLayer(['renderer/editor/**/*.{ts,svelte}'], ['renderer/editor/EditorView.svelte', 'renderer/editor/DatasetPicker.svelte', 'renderer/editor/annotation.svelte.ts'], {
    group: rendererFeatures.filter((folder) => folder !== '**/editor/**'),
    message: 'the mask editor knows nothing of the studio around it: the page hands it props',
  }),
  {
    // The contract is shared with the renderer: no Node, no Electron.
    files: ['electron/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', ...nodeBuiltins], message: 'electron/api is shared with the renderer' },
          { group: ['../core/**', '../server/**', '../cli/**'], message: 'electron/api depends on nothing else' },
        ],
      }],
    },
  },
  // Everything under electron/ except main.ts and preload.ts runs under plain Node,
  // electron/desktop/ included: main.ts hands it Electron's objects, so it is tested under Node.
  nodeLayer(['electron/core/**/*.ts', 'electron/server/**/*.ts', 'electron/cli/**/*.ts', 'electron/desktop/**/*.ts', 'test/**/*.ts']),
  // The core serves every shell and knows none of them.
  nodeLayer(['electron/core/**/*.ts'], {
    group: ['**/server/**', '**/cli/**', '**/desktop/**'],
    message: 'electron/core knows no shell: the server, the CLI and the desktop import it, not the other way',
  }),
  // Browser mode and the desktop shell are siblings: neither imports the other's code, nor the CLI.
  nodeLayer(['electron/server/**/*.ts'], { group: ['**/cli/**', '**/desktop/**'], message: 'electron/server imports only api/ and core/' }),
  nodeLayer(['electron/desktop/**/*.ts'], { group: ['**/cli/**'], message: 'the desktop shell does not import the command line' }),
  {
    // The mask editor's engine (renderer/editor/*.ts, and the view arithmetic it shares with
    // the viewer, renderer/lib/viewport.ts) is DOM-free by design and unit-tested under
    // Node; its Svelte parts are not.
    files: ['test/unit/editor/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'only electron/main.ts and electron/preload.ts import electron' }],
        patterns: [
          { regex: '(^|/)renderer/(?!(editor/[A-Za-z]+|lib/viewport)$)', message: 'tests under Node import only the editor engine' },
          { regex: '\\.svelte(\\.ts)?$', message: 'tests under Node import only the editor engine' },
        ],
      }],
    },
  },
);
