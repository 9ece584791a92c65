// esbuild plugin for the Lambda bundles: Node built-ins come from process.getBuiltinModule (Node >= 20.16;
// the constructs deploy nodejs24.x) where code first needs them, so no bundle has an ESM import of a built-in
// or needs a createRequire banner. `npm run bench -- cold-start` shows the gain (docs/performance.md).
import { builtinModules, createRequire } from 'node:module';
import type { Plugin } from 'esbuild';

const BUILTINS = new Set(builtinModules);
const ESM = 'keygate-node-builtin';
const CJS = 'keygate-node-builtin-cjs';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const nodeRequire = createRequire(import.meta.url);
/** The built-in a bundle source map's virtual source stands for (`keygate-node-builtin:tls` -> `tls`). */
export function builtinOfSource(source: string): string | undefined {
  const colon = source.indexOf(':');
  const namespace = source.slice(0, colon);
  return colon > 0 && (namespace === ESM || namespace === CJS) ? source.slice(colon + 1) : undefined;
}

const load = (name: string) => `process.getBuiltinModule(${JSON.stringify(`node:${name}`)})`;

/**
 * An ES module standing for one built-in: its default export is the module, and every export is a named
 * export read at init only if something imports it (each read is a pure call esbuild drops when unused).
 * Why not the plain ESM import: Node's ESM loader builds a namespace that reads every export of a built-in,
 * loading modules nothing uses (node:net's BlockList, node:buffer's File, node:fs's streams), and esbuild
 * hoists those imports to the top of the bundle, so a built-in only deferred code uses (Powertools'
 * node:console) would load at init anyway. Why not esbuild's CommonJS interop: it copies every property of
 * the module into a new object on first use.
 */
function esmSource(name: string): string {
  const mod = nodeRequire(`node:${name}`) as Record<string, unknown>;
  const names = Object.getOwnPropertyNames(mod).filter((key) => key !== 'default' && IDENTIFIER.test(key));
  return [
    `const m = ${load(name)};`,
    'export default m;',
    ...names.map(
      (key, i) => `const _${i} = /* @__PURE__ */ (() => m.${key})();\nexport { _${i} as ${key} };`,
    ),
  ].join('\n');
}

export const nodeBuiltins: Plugin = {
  name: 'keygate-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z0-9_]+(\/[a-z0-9_]+)*$/ }, ({ path, kind }) => {
      const name = path.replace(/^node:/, '');
      if (!BUILTINS.has(name)) return undefined;
      // A bundled CommonJS dependency's require() gets the module object itself.
      return { path: name, namespace: kind === 'require-call' ? CJS : ESM };
    });
    build.onLoad({ filter: /.*/, namespace: ESM }, ({ path }) => ({
      contents: esmSource(path),
      loader: 'js',
    }));
    build.onLoad({ filter: /.*/, namespace: CJS }, ({ path }) => ({
      contents: `module.exports = ${load(path)};`,
      loader: 'js',
    }));
  },
};
