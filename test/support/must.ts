// Checked access for tests (tsconfig.test.json has noUncheckedIndexedAccess on): a missing element or
// value fails the test with a message saying what was missing, instead of a TypeError further on or a
// non-null assertion (`!`) that hides the absence from the compiler.

/** `value`, or a thrown Error naming `what` when it is undefined or null. */
export function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, but it is ${value === null ? 'null' : 'absent'}`);
  return value;
}

/** `list[index]` (a negative index counts from the end), or a thrown Error naming `what` and the length. */
export function at<T>(list: readonly T[], index: number, what = 'element'): T {
  const value = list.at(index);
  if (value === undefined) throw new Error(`expected ${what} [${index}], but the list has ${list.length} element(s)`);
  return value;
}
