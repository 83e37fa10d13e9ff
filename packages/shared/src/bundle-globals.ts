// The actions are bundled as ES modules, which have no `__dirname`. ssh2 (reached through dockerode) loads its
// poly1305 wasm helper with emscripten code that reads `__dirname` at the first SSH handshake. Each action's
// main.ts imports this module first, so the name exists before any bundled CommonJS module runs.
import {dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

const commonJsGlobals = globalThis as {__dirname?: string; __filename?: string};
commonJsGlobals.__filename ??= fileURLToPath(import.meta.url);
commonJsGlobals.__dirname ??= dirname(commonJsGlobals.__filename);
