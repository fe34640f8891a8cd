import { FakeClock } from '../controller/runtime/clock.js';
import { Heartbeat } from './heartbeat.js';

describe('heartbeat', () => {
  it('says the pod is alive every second on its trial’s subject, and not after it finished', async () => {
    const clock = new FakeClock();
    const sent: Array<{ subject: string; message: object; at: number }> = [];
    const part = new Heartbeat({
      hpoJobUid: 'uid-1',
      trialIndex: 4,
      podUid: 'pod-9',
      clock,
      sink: { notify: async (subject, message) => void sent.push({ subject, message, at: clock.now() }) },
    });
    const t0 = clock.now();
    part.start();
    clock.advance(3_500);
    expect(sent.map((s) => s.at - t0)).toEqual([0, 1_000, 2_000, 3_000]);
    expect(sent[0]).toMatchObject({ subject: 'ultron.alive.uid-1.4', message: { v: 1, pod: 'pod-9' } });
    expect((await part.finish()).complete).toBe(true);
    clock.advance(5_000);
    expect(sent).toHaveLength(4);
    expect(clock.pending()).toBe(0);
  });

  it('a sink that fails (NATS away) does not stop the beats', () => {
    const clock = new FakeClock();
    let tries = 0;
    const part = new Heartbeat({
      hpoJobUid: 'u',
      trialIndex: 0,
      podUid: 'p',
      clock,
      sink: { notify: () => (tries++, Promise.reject(new Error('no connection'))) },
    });
    part.start();
    clock.advance(2_000);
    expect(tries).toBe(3);
  });
});
