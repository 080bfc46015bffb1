/** A copy of `a` in a new array of `length` (at least a.length): the growth step of the engine's typed-array stores. */
export function grown<T extends Float64Array | Int32Array>(a: T, length: number): T {
  const b = new (a.constructor as { new (n: number): T })(length);
  b.set(a);
  return b;
}
