/** In-process wake-ups: "rows were committed for (stage, conn)". Listeners must be cheap. */
import type { Stage, WakeListener } from "./types.js";

export class Notifier {
  #listeners = new Map<string, Set<WakeListener>>();

  on(stage: Stage, conn: string, listener: WakeListener): () => void {
    const key = `${stage}\u0000${conn}`;
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }

  notify(stage: Stage, conn: string): void {
    const set = this.#listeners.get(`${stage}\u0000${conn}`);
    if (set) for (const l of set) l();
  }

  notifyAll(): void {
    for (const set of this.#listeners.values()) for (const l of set) l();
  }
}
