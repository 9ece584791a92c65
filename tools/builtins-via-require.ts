// esbuild plugin for the Lambda bundles: Node built-ins are loaded with `require` (the bundle's createRequire
// banner) where a module first needs them, not with top-level ESM `import`s. An ESM import of a built-in goes
// through the ESM loader and builds a namespace that reads every export, which loads modules nothing uses
// (node:net's BlockList, node:buffer's File, node:fs's streams), and esbuild hoists every such import to the
// top of the bundle, so a built-in only deferred code uses (Powertools' node:console) loads at init anyway.
// `npm run bench -- cold-start` measures the authorizer's cold start with it (docs/performance.md).
import { builtinModules, createRequire } from 'node:module';
import type { Plugin } from 'esbuild';

const BUILTINS = new Set(builtinModules);
const NAMESPACE = 'keygate-node-builtin';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const nodeRequire = createRequire(import.meta.url);

/**
 * An ES module standing for one built-in: its default export is the module, and every export is a named
 * export read at init only if something imports it (each read is a pure call esbuild drops when unused), so
 * a lazily loading export nothing uses is never touched. Not esbuild's CommonJS interop, which copies every
 * property of the module into a new object on first use.
 */
function builtinModuleSource(name: string): string {
  const mod = nodeRequire(`node:${name}`) as Record<string, unknown>;
  const names = Object.getOwnPropertyNames(mod).filter((key) => key !== 'default' && IDENTIFIER.test(key));
  return [
    `const m = require(${JSON.stringify(`node:${name}`)});`,
    'export default m;',
    ...names.map(
      (key, i) => `const _${i} = /* @__PURE__ */ (() => m.${key})();\nexport { _${i} as ${key} };`,
    ),
  ].join('\n');
}

export const builtinsViaRequire: Plugin = {
  name: 'keygate-builtins-via-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)*$/ }, ({ path, kind }) => {
      const name = path.replace(/^node:/, '');
      // A require() call of a built-in stays as it is: esbuild leaves it to the banner's `require`.
      if (kind === 'require-call' || !BUILTINS.has(name)) return undefined;
      return { path: name, namespace: NAMESPACE };
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, ({ path }) => ({
      contents: builtinModuleSource(path),
      loader: 'js',
    }));
  },
};
