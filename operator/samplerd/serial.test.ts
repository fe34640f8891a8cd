import { KeyedSerial } from './serial.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('KeyedSerial', () => {
  it('runs one key in order, other keys alongside, and forgets idle keys', async () => {
    const s = new KeyedSerial();
    const log: string[] = [];
    const gate = deferred();
    const a1 = s.run('a', async () => {
      log.push('a1 start');
      await gate.promise;
      log.push('a1 end');
    });
    const a2 = s.run('a', async () => void log.push('a2'));
    const b1 = s.run('b', async () => void log.push('b1'));
    await b1;
    await new Promise((r) => setTimeout(r, 0)); // b's queue entry goes once its tail settles
    expect(log).toEqual(['a1 start', 'b1']);
    expect(s.size).toBe(1);
    gate.resolve();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await new Promise((r) => setTimeout(r, 0));
    expect(s.size).toBe(0);
  });

  it('a failed task rejects its caller and does not stop the next one', async () => {
    const s = new KeyedSerial();
    const failed = s.run('k', async () => {
      throw new Error('no');
    });
    const next = s.run('k', async () => 42);
    await expect(failed).rejects.toThrow('no');
    await expect(next).resolves.toBe(42);
  });
});
