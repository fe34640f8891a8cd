import { ListWatch, type KubernetesListObject, type V1ConfigMap, type Watch } from '@kubernetes/client-node';
import { FakeClock, settle } from './clock.js';
import { SupervisedInformer, InformerStoppedError, type UnderlyingInformer } from './informer.js';

type Obj = V1ConfigMap;
const cm = (name: string, rv: string, namespace = 'ns'): Obj => ({
  metadata: { name, namespace, resourceVersion: rv },
});
const listOf = (items: Obj[], rv = '10'): KubernetesListObject<Obj> => ({
  metadata: { resourceVersion: rv },
  items,
});

/** An informer that does what ListWatch does on start (connect, list, fill the cache), driven by hand. */
class FakeInformer implements UnderlyingInformer<Obj> {
  starts = 0;
  stops = 0;
  private readonly cache = new Map<string, Obj>();
  private readonly cbs = new Map<string, Array<(x: never) => void>>();
  constructor(private readonly listFn: () => Promise<KubernetesListObject<Obj>>) {}
  on(verb: string, cb: (x: never) => void): void {
    this.cbs.set(verb, [...(this.cbs.get(verb) ?? []), cb]);
  }
  off(): void {}
  emit(verb: 'add' | 'update' | 'delete' | 'error' | 'connect', obj?: unknown): void {
    if (verb === 'add' || verb === 'update') this.cache.set(key(obj as Obj), obj as Obj);
    if (verb === 'delete') this.cache.delete(key(obj as Obj));
    for (const cb of this.cbs.get(verb) ?? []) cb(obj as never);
  }
  async start(): Promise<void> {
    this.starts++;
    this.emit('connect');
    let list: KubernetesListObject<Obj>;
    try {
      list = await this.listFn();
    } catch (e) {
      return this.emit('error', e);
    }
    for (const item of list.items) this.emit('add', item);
  }
  async stop(): Promise<void> {
    this.stops++;
    this.emit('error', new Error('aborted')); // as ListWatch does when its request is aborted
  }
  get(name: string, namespace?: string): Obj | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }
  list(): ReadonlyArray<Obj> {
    return [...this.cache.values()];
  }
}
const key = (o: Obj) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

function setup(listFn: () => Promise<KubernetesListObject<Obj>> = async () => listOf([cm('a', '1')])) {
  const clock = new FakeClock();
  const errors: Array<[string, number]> = [];
  let fake!: FakeInformer;
  const informer = new SupervisedInformer<Obj>({
    name: 'configmaps',
    path: '/api/v1/configmaps',
    listFn,
    clock,
    random: () => 0,
    factory: (_path, wrappedList) => (fake = new FakeInformer(wrappedList)),
    onError: (e, ms) => errors.push([(e as Error).message, ms]),
  });
  return { clock, informer, fake, errors };
}

it('forwards add, update and delete, and serves the cache by namespace and name', async () => {
  const { informer, fake } = setup();
  const seen: string[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name}@${o.metadata?.resourceVersion}`));
  const off = informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  informer.start();
  await informer.synced();
  fake.emit('add', cm('b', '2'));
  fake.emit('update', cm('b', '3'));
  fake.emit('delete', cm('a', '1'));
  off();
  fake.emit('delete', cm('b', '3'));
  expect(seen).toEqual(['add a', 'add b', 'update b@3', 'delete a']);
  expect(informer.list()).toEqual([]);
  fake.emit('add', cm('c', '4'));
  expect(informer.get('ns', 'c')?.metadata?.resourceVersion).toBe('4');
  expect(informer.get('other', 'c')).toBeUndefined();
});

it('synced resolves only after the first list is in the cache', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { informer } = setup(async () => {
    await gate;
    return listOf([cm('a', '1')]);
  });
  let synced = false;
  void informer.synced().then(() => (synced = true));
  informer.start();
  await settle();
  expect(synced).toBe(false);
  expect(informer.health()).toBe('informer configmaps: not synced yet');
  release();
  await settle();
  expect(synced).toBe(true);
  expect(informer.list()).toHaveLength(1);
  expect(informer.health()).toBeUndefined();
});

it('restarts after errors with growing, capped delays, and says so in health', async () => {
  const { clock, informer, fake, errors } = setup();
  informer.start();
  await informer.synced();
  const restarts: number[] = [];
  const t0 = clock.now();
  for (let i = 0; i < 7; i++) {
    fake.emit('error', new Error(`ECONNREFUSED ${i}`));
    if (i === 0)
      expect(informer.health()).toBe('informer configmaps: restarting in 1 s after: ECONNREFUSED 0');
    const before = fake.starts;
    while (fake.starts === before) await clock.tick(100);
    restarts.push(clock.now());
  }
  const gaps = restarts.map((t, i) => t - (i === 0 ? t0 : restarts[i - 1]!));
  expect(gaps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  expect(errors.map(([, ms]) => ms)).toEqual(gaps);
});

it('ignores a second error while a restart is pending, and resets the back-off after a healthy period', async () => {
  const { clock, informer, fake, errors } = setup();
  informer.start();
  await informer.synced();
  fake.emit('error', new Error('one'));
  fake.emit('error', new Error('one, again'));
  await clock.tick(1_000);
  fake.emit('error', new Error('two')); // right after the restart: back-off grows
  await clock.tick(2_000);
  await clock.tick(120_000); // healthy for two minutes
  fake.emit('error', new Error('three'));
  expect(errors).toEqual([
    ['one', 1_000],
    ['two', 2_000],
    ['three', 1_000],
  ]);
  expect(fake.starts).toBe(3);
});

it('jitters each delay by up to the jitter fraction', async () => {
  const clock = new FakeClock();
  const delays: number[] = [];
  let fake!: FakeInformer;
  const informer = new SupervisedInformer<Obj>({
    name: 'x',
    path: '/x',
    listFn: async () => listOf([]),
    clock,
    random: () => 1,
    jitter: 0.5,
    factory: (_p, l) => (fake = new FakeInformer(l)),
    onError: (_e, ms) => delays.push(ms),
  });
  informer.start();
  await informer.synced();
  fake.emit('error', new Error('x'));
  expect(delays).toEqual([1_500]);
});

it('retries a failed first list, and a start() that rejects, without ever syncing early', async () => {
  let calls = 0;
  const { clock, informer, fake, errors } = setup(async () => {
    if (++calls === 1) throw new Error('403 Forbidden');
    return listOf([cm('a', '1')]);
  });
  const realStart = fake.start.bind(fake);
  let rejectOnce = true;
  fake.start = async () => {
    if (rejectOnce && fake.starts === 1) {
      rejectOnce = false;
      fake.starts++;
      throw new Error('no currently active cluster');
    }
    return realStart();
  };
  informer.start();
  await clock.tick(0);
  expect(errors).toEqual([['403 Forbidden', 1_000]]);
  await clock.tick(1_000);
  expect(errors).toEqual([
    ['403 Forbidden', 1_000],
    ['no currently active cluster', 2_000],
  ]);
  await clock.tick(2_000);
  await informer.synced();
  expect(informer.list()).toHaveLength(1);
});

it('does not restart after stop, even when the aborted watch reports an error', async () => {
  const { clock, informer, fake, errors } = setup();
  informer.start();
  await informer.synced();
  fake.emit('error', new Error('dropped'));
  informer.stop(); // the pending restart is cancelled; stop's own abort error is ignored
  await clock.tick(600_000);
  expect(fake.starts).toBe(1);
  expect(fake.stops).toBe(1);
  expect(errors).toEqual([['dropped', 1_000]]);
  expect(clock.pending()).toBe(0);
  expect(informer.health()).toBe('informer configmaps: stopped');
});

it('rejects synced with InformerStoppedError when stopped before the first list', async () => {
  const { informer } = setup(() => new Promise(() => undefined));
  informer.start();
  informer.stop();
  await expect(informer.synced()).rejects.toBeInstanceOf(InformerStoppedError);
});

it("restarts client-node's own ListWatch after an error it does not retry, resuming from its resourceVersion", async () => {
  const clock = new FakeClock();
  const watches: Array<{
    rv: unknown;
    callback: (phase: string, obj: unknown, raw: unknown) => void;
    done: (err: unknown) => void;
  }> = [];
  const fakeWatch = {
    async watch(_path: string, query: Record<string, unknown>, callback: never, done: never) {
      watches.push({ rv: query['resourceVersion'], callback, done });
      return new AbortController();
    },
  } as unknown as Watch;
  let lists = 0;
  const informer = new SupervisedInformer<Obj>({
    name: 'configmaps',
    path: '/api/v1/configmaps',
    listFn: async () => (lists++, listOf([cm('a', '1')], '10')),
    clock,
    random: () => 0,
    factory: (path, listFn) => new ListWatch<Obj>(path, fakeWatch, listFn, false),
  });
  const added: string[] = [];
  informer.on('add', (o) => added.push(o.metadata!.name!));
  informer.start();
  await informer.synced();
  watches[0]!.callback('ADDED', cm('b', '11'), {});
  watches[0]!.done(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  await clock.tick(999);
  expect(watches).toHaveLength(1); // ListWatch gave up; nothing until our back-off ends
  await clock.tick(1);
  expect(watches).toHaveLength(2);
  expect(watches[1]!.rv).toBe('11');
  expect(lists).toBe(1);
  watches[1]!.callback('ADDED', cm('c', '12'), {});
  expect(added).toEqual(['a', 'b', 'c']);
  expect(informer.get('ns', 'c')).toBeDefined();
  informer.stop();
});
