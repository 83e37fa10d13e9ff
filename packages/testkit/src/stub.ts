/**
 * A test double of `T` with only the given members: calling any other throws, naming it, so a call the test did not
 * expect fails loudly instead of returning `undefined`. It is never thenable, so `await` can hand it around.
 */
export function stub<T>(name: string, members: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(members, {
    get: (target, property) => {
      if (property in target) return target[property as keyof typeof target];
      if (property === 'then') return undefined;
      return () => {
        throw new Error(`${name}.${String(property)} was not expected to be called`);
      };
    },
  }) as T;
}
