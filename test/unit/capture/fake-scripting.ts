/** A stand-in for `browser.scripting`'s registered content scripts, with the browser's refusals. */
import type { ContentScript, ScriptingPort } from '../../../src/platform/scripting.ts';

export class FakeScripting implements ScriptingPort {
  readonly scripts = new Map<string, Partial<ContentScript>>();
  /** Every call that changed something, in order: `register a,b`, `update a`, `unregister a`. */
  readonly changes: string[] = [];

  async registered(): Promise<Partial<ContentScript>[]> {
    return [...this.scripts.values()].map((s) => structuredClone(s));
  }

  async register(scripts: ContentScript[]): Promise<void> {
    if (scripts.length === 0) return;
    for (const s of scripts) if (this.scripts.has(s.id)) throw new Error(`Duplicate script ID '${s.id}'`);
    for (const s of scripts) this.scripts.set(s.id, structuredClone(s));
    this.changes.push(`register ${scripts.map((s) => s.id).join(',')}`);
  }

  async update(scripts: ContentScript[]): Promise<void> {
    if (scripts.length === 0) return;
    for (const s of scripts) if (!this.scripts.has(s.id)) throw new Error(`Nonexistent script ID '${s.id}'`);
    for (const s of scripts) this.scripts.set(s.id, { ...this.scripts.get(s.id), ...structuredClone(s) });
    this.changes.push(`update ${scripts.map((s) => s.id).join(',')}`);
  }

  async unregister(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) if (!this.scripts.has(id)) throw new Error(`Nonexistent script ID '${id}'`);
    for (const id of ids) this.scripts.delete(id);
    this.changes.push(`unregister ${ids.join(',')}`);
  }

  /** One registration, as the browser would report it. */
  get(id: string): Partial<ContentScript> | undefined {
    return this.scripts.get(id);
  }
}
