// Lets `node --experimental-transform-types` run the TypeScript sources as they are written: their imports name the
// `.js` files tsc and ncc produce, so a relative `.js` that does not exist is looked up as `.ts`.
import {registerHooks} from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
      throw error;
    }
  },
});
