/**
 * A value kept on an object out of sight: not in JSON, enumeration, reflection or equality checks (a private field
 * added with the constructor return-override trick). Wire objects carry derived data this way, the size of a numbers
 * list or the records a frame was made from, so that an object handed over in one process (the simulator) need not be
 * worked out again, while what crosses a socket is only what JSON carries. Fast to add and read (about 20 ns, against
 * 150 for `Object.defineProperty` or a `WeakMap`), and gone with the object.
 */
export interface HiddenField<V> {
  get(on: object): V | undefined;
  /** Sets the field (again, if set before). */
  set<T extends object>(on: T, value: V): T;
}

export function hiddenField<V>(): HiddenField<V> {
  class Identity {
    constructor(on: object) {
      return on;
    }
  }
  class Field extends Identity {
    #value: V;
    constructor(on: object, value: V) {
      super(on);
      this.#value = value;
    }
    static get(on: object): V | undefined {
      return #value in on ? (on as Field).#value : undefined;
    }
    static set<T extends object>(on: T, value: V): T {
      if (#value in on) (on as unknown as Field).#value = value;
      else new Field(on, value);
      return on;
    }
  }
  return { get: (on) => Field.get(on), set: (on, value) => Field.set(on, value) };
}
