// Faults shared by the memory adapters, so a test can make the world fail on cue: refuse the next
// call of an operation, let it happen and then fail as if the process died right after it, or
// refuse the next conditional write. Every side-effecting call of every adapter that shares one
// Faults is counted in one sequence, so a test can crash after the 1st, 2nd, ... n-th step of a
// use case and check that a redelivery finishes the work with nothing lost or done twice.

export type Operation =
  | 'store.put'
  | 'store.putMany'
  | 'store.delete'
  | 'store.addToSet'
  | 'store.claim'
  | 'store.increment'
  | 'queue.send'
  | 'queue.ack'
  | 'bus.put'
  | 'timers.set';

/** What a simulated crash throws: the call it follows took effect, the caller never learns it. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

type Rule = { op?: Operation; when: 'before' | 'after'; error: () => Error };

export class Faults {
  /** Side-effecting calls made so far, in order. */
  readonly calls: Operation[] = [];
  #rules: Rule[] = [];
  #refuseConditions = 0;
  #crashAfterStep: number | undefined;

  /** The next call of `op` (any operation if omitted) fails and changes nothing. */
  failNext(op?: Operation, error: () => Error = () => new Error(`injected failure of ${op ?? 'the next call'}`)) {
    this.#rules.push({ ...(op ? { op } : {}), when: 'before', error });
  }

  /** The next call of `op` (any if omitted) takes effect, then fails as if the process died after it. */
  crashAfterNext(op?: Operation) {
    this.#rules.push({ ...(op ? { op } : {}), when: 'after', error: () => new SimulatedCrash(`crashed after ${op}`) });
  }

  /** The `n`-th side-effecting call from now (1 = the next) takes effect, then the process dies. */
  crashAfterStep(n: number) {
    this.#crashAfterStep = this.calls.length + n;
  }

  /** The next `count` conditional writes are refused as if another writer had won. */
  refuseNextConditions(count = 1) {
    this.#refuseConditions += count;
  }

  /** Clears every pending fault. */
  reset() {
    this.#rules = [];
    this.#refuseConditions = 0;
    this.#crashAfterStep = undefined;
  }

  takeConditionRefusal(): boolean {
    if (this.#refuseConditions === 0) return false;
    this.#refuseConditions--;
    return true;
  }

  /** Wraps one side-effecting call. */
  async run<T>(op: Operation, effect: () => Promise<T> | T): Promise<T> {
    this.#throwIf(op, 'before');
    const result = await effect();
    this.calls.push(op);
    if (this.#crashAfterStep !== undefined && this.calls.length >= this.#crashAfterStep) {
      this.#crashAfterStep = undefined;
      throw new SimulatedCrash(`crashed after step ${this.calls.length} (${op})`);
    }
    this.#throwIf(op, 'after');
    return result;
  }

  #throwIf(op: Operation, when: Rule['when']) {
    const index = this.#rules.findIndex((r) => r.when === when && (r.op === undefined || r.op === op));
    if (index < 0) return;
    const [rule] = this.#rules.splice(index, 1);
    throw (rule as Rule).error();
  }
}
