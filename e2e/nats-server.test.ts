import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer } from './lib/nats-server.js';

it('starts a private JetStream server, restarts it with its store', async () => {
  const srv = await startNatsServer();
  try {
    let nc = await connect({ servers: srv.url });
    let jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'PROBE', subjects: ['probe.>'] });
    await nc.close();
    await srv.stop();
    await srv.restart();
    nc = await connect({ servers: srv.url });
    jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('PROBE')).config.name).toBe('PROBE');
    await nc.close();
  } finally {
    await srv.remove();
  }
});
