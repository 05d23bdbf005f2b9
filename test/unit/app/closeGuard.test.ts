import { describe, expect, it, vi } from 'vitest';
import { answerWithin, CloseGuard } from '../../../electron/desktop/closeGuard';
import type { SaveAnswer } from '../../../electron/desktop/closeGuard';

/** A guard whose page answers with `answers` in turn and whose user answers `confirm`. */
function guardWith(answers: SaveAnswer[], confirm: boolean[] = []) {
  const calls = { asked: 0, confirmed: [] as string[], closed: 0 };
  const guard = new CloseGuard({
    askPageToSave: async () => {
      calls.asked++;
      return answers.shift() ?? { kind: 'saved' };
    },
    confirmCloseUnsaved: async (message) => {
      calls.confirmed.push(message);
      return confirm.shift() ?? false;
    },
    closeWindow: () => {
      calls.closed++;
      // What Electron does: close() emits 'close' again, which the guard now lets through.
      expect(guard.onClose()).toBe(true);
    },
  });
  return { guard, calls };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('close guard', () => {
  it('holds the first close back until the page has saved, then closes', async () => {
    const { guard, calls } = guardWith([{ kind: 'saved' }]);
    expect(guard.onClose()).toBe(false);
    // A second close while the page saves (the user clicks again) is held back too.
    expect(guard.onClose()).toBe(false);
    await settle();
    expect(calls).toEqual({ asked: 1, confirmed: [], closed: 1 });
  });

  it('asks the user when the save failed, and stays open when told to', async () => {
    const { guard, calls } = guardWith([{ kind: 'failed', message: 'disk full' }, { kind: 'saved' }], [false]);
    expect(guard.onClose()).toBe(false);
    await settle();
    expect(calls).toEqual({ asked: 1, confirmed: ['disk full'], closed: 0 });
    // Next time the save works: the window closes.
    expect(guard.onClose()).toBe(false);
    await settle();
    expect(calls).toEqual({ asked: 2, confirmed: ['disk full'], closed: 1 });
  });

  it('closes without saving when the user says so', async () => {
    const { guard, calls } = guardWith([{ kind: 'failed', message: 'disk full' }], [true]);
    guard.onClose();
    await settle();
    expect(calls).toEqual({ asked: 1, confirmed: ['disk full'], closed: 1 });
  });

  it('closes a page that does not answer, and treats a thrown error as a failed save', async () => {
    const silent = guardWith([{ kind: 'no-answer' }]);
    silent.guard.onClose();
    await settle();
    expect(silent.calls).toEqual({ asked: 1, confirmed: [], closed: 1 });

    const calls = { closed: 0, confirmed: [] as string[] };
    const guard = new CloseGuard({
      askPageToSave: () => Promise.reject(new Error('renderer gone')),
      confirmCloseUnsaved: async (message) => {
        calls.confirmed.push(message);
        return true;
      },
      closeWindow: () => calls.closed++,
    });
    guard.onClose();
    await settle();
    expect(calls).toEqual({ closed: 1, confirmed: ['renderer gone'] });
  });

  it('turns the page answer into saved, failed or no-answer within the time allowed', async () => {
    await expect(answerWithin(Promise.resolve(true), 50)).resolves.toEqual({ kind: 'saved' });
    await expect(answerWithin(Promise.resolve(false), 50)).resolves.toMatchObject({ kind: 'failed' });
    await expect(answerWithin(Promise.reject(new Error('boom')), 50)).resolves.toEqual({ kind: 'failed', message: 'boom' });
    vi.useFakeTimers();
    try {
      const pending = answerWithin(new Promise<boolean>(() => {}), 5000);
      vi.advanceTimersByTime(5000);
      await expect(pending).resolves.toEqual({ kind: 'no-answer' });
    } finally {
      vi.useRealTimers();
    }
  });
});
